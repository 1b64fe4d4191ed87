// Package app builds what every home (a Lambda function, the local server)
// needs before its handlers: configuration, the JSON logger, secrets, the
// store, authentication and the HTTP options. Homes then add their groups'
// handlers and start.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/version"
)

// SecretTTL bounds how long a rotated secret (API keys, Redis token) can
// take to reach a warm instance.
const SecretTTL = 5 * time.Minute

// Base is the common wiring of one process.
type Base struct {
	Name   string
	Config config.Config
	// InLambda is true inside AWS Lambda (synchronous requests then have
	// API Gateway's 29 s limit to respect).
	InLambda bool
	Logger   *slog.Logger
	Store    *store.Store
	Metrics  *httpx.Metrics
	Secrets  secrets.Source
	Started  time.Time
	Auth     httpx.AuthConfig
	// Checkers are the dependency health checks; homes append their own
	// (chromium, queue) to the redis one.
	Checkers []health.Checker

	closers []func()
}

// OnClose registers fn to run when the base closes, before the store (a
// local orchestrator must stop before Redis goes away). Last in, first out.
func (b *Base) OnClose(fn func()) { b.closers = append(b.closers, fn) }

// InLambda reports whether the process runs in AWS Lambda.
func InLambda(lookup config.LookupFunc) bool {
	_, ok := lookup("AWS_LAMBDA_FUNCTION_NAME")
	return ok
}

// New loads the configuration through lookup and builds the base. Nothing
// here dials the network unless a secret ARN is configured (cold starts).
func New(ctx context.Context, name string, lookup config.LookupFunc) (*Base, error) {
	cfg, err := config.Load(lookup)
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})).
		With(slog.String("service", "riptide"), slog.String("function", name))
	b := &Base{Name: name, Config: cfg, Logger: logger, Metrics: httpx.NewMetrics(), Started: time.Now(), InLambda: InLambda(lookup)}

	var sm secrets.Source = secrets.Env{Lookup: lookup}
	if cfg.APIKeysSecret != "" || cfg.RedisSecret != "" {
		awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
		if err != nil {
			return nil, fmt.Errorf("load AWS configuration: %w", err)
		}
		sm = secrets.SecretsManager{Client: secretsmanager.NewFromConfig(awsCfg)}
	}
	b.Secrets = &secrets.Cached{Source: sm, TTL: SecretTTL}

	password := ""
	if cfg.RedisSecret != "" {
		raw, err := b.Secrets.Get(ctx, cfg.RedisSecret)
		if err != nil {
			return nil, fmt.Errorf("redis auth secret: %w", err)
		}
		if password, err = secrets.ParsePassword(raw); err != nil {
			return nil, err
		}
	}
	if b.Store, err = store.Open(store.Options{URL: cfg.RedisURL, Password: password, Prefix: cfg.KeyPrefix}); err != nil {
		return nil, err
	}
	if b.Store.Embedded() && b.InLambda {
		logger.Warn("REDIS_URL is not set: using an in-process Redis; state is lost with this Lambda instance")
	}
	b.Checkers = []health.Checker{health.Redis(b.Store)}

	b.Auth = httpx.AuthConfig{Disabled: cfg.AuthDisabled, PublicMetrics: cfg.MetricsPublic}
	switch {
	case cfg.AuthDisabled:
		logger.Warn("authentication is DISABLED (RIPTIDE_AUTH=disabled): every caller has full access")
	case cfg.APIKeysSecret != "":
		b.Auth.Authenticator = &httpx.SecretKeys{Source: b.Secrets, Name: cfg.APIKeysSecret, Static: cfg.APIKeys}
	default:
		b.Auth.Authenticator = httpx.NewStaticKeys(cfg.APIKeys)
		if len(cfg.APIKeys) == 0 {
			logger.Error("NO API KEYS CONFIGURED: every protected route answers 401 until RIPTIDE_API_KEYS is set " +
				"(or RIPTIDE_AUTH=disabled for a private local server)")
		}
	}
	return b, nil
}

// HTTPOptions returns the options of the HTTP core.
func (b *Base) HTTPOptions() httpx.Options {
	cors := httpx.CORSConfig{AllowedOrigins: b.Config.CORSOrigins, MaxAgeSeconds: 600}
	o := httpx.Options{Logger: b.Logger, Metrics: b.Metrics, Auth: b.Auth, CORS: cors, Sunset: b.Config.LegacySunset}
	if b.Config.RateLimit > 0 {
		o.RateLimit = store.NewRateLimiter(b.Store, b.Config.RateLimit, time.Minute)
	}
	return o
}

// HTTPHandler mounts routes with handlers behind the middleware stack.
func (b *Base) HTTPHandler(table []routes.Route, handlers map[string]http.Handler) (http.Handler, error) {
	return httpx.NewHandler(b.HTTPOptions(), table, handlers)
}

// HealthDeps are the health group's dependencies.
func (b *Base) HealthDeps() healthapi.Deps {
	return healthapi.Deps{Checkers: b.Checkers, Version: version.String(), Started: b.Started, Gatherer: b.Metrics.Registry}
}

// Close runs the OnClose functions, then releases the store.
func (b *Base) Close() error {
	for i := len(b.closers) - 1; i >= 0; i-- {
		b.closers[i]()
	}
	b.closers = nil
	return b.Store.Close()
}

// Fatal logs err as JSON and exits: used by mains when wiring fails.
func Fatal(name string, err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("startup failed",
		slog.String("function", name), slog.String("error", err.Error()))
	os.Exit(1)
}
