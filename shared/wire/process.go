// Package wire is the composition root of a RipTide process: a Lambda
// function or the local server. It reads the configuration once, loads the
// AWS configuration once (lazily), and builds each adapter once: the store,
// secrets, authentication, metrics, the fetcher (with politeness and
// circuit breakers shared through Redis), the blob store. Group packages
// (shared/wire/<group>wire) build their group's handlers from it, so each
// Lambda links only what its group needs, and the local server, which
// builds every group on one Process, shares one of each adapter between
// them.
//
// Handlers never import this package: they take a Deps struct of small
// interfaces, and only wiring code knows which adapter stands behind each.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/awsenv"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/blob/s3blob"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/health"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/monitor/emf"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/store/monitorstore"
)

// SecretTTL bounds how long a rotated secret (API keys, Redis token) can
// take to reach a warm instance.
const SecretTTL = 5 * time.Minute

// Process is the wiring of one process.
type Process struct {
	Name   string
	Config config.Config
	// Lookup reads configuration variables (os.LookupEnv, or a map in tests).
	Lookup config.LookupFunc
	// InLambda is true inside AWS Lambda (synchronous requests then have
	// API Gateway's 29 s limit to respect; goroutines do not outlive an
	// invocation).
	InLambda bool
	Logger   *slog.Logger
	Store    *store.Store
	// Metrics are this instance's request metrics for /metrics: nil
	// unless a group that serves /metrics installed them (InstallMetrics).
	Metrics httpx.RequestMetrics
	// Recorder receives every page, request, spider page and backup of
	// the process: the Redis minute buckets shared by every instance (the
	// monitoring group), in Lambda CloudWatch EMF lines on stdout, and
	// the Prometheus families of /metrics once installed.
	Recorder monitor.Recorder
	// instance forwards to the installed /metrics families (InstallMetrics).
	instance instanceRecorder
	// Buckets is the Redis part of Recorder (Flush before a local read).
	Buckets *monitorstore.Recorder
	Secrets secrets.Source
	Auth    httpx.AuthConfig
	// Keys is the managed API key service (nil when auth is disabled or
	// no bootstrap key is configured).
	Keys    *keys.Service
	Started time.Time

	mu       sync.Mutex
	checkers []health.Checker
	closers  []func()
	shared   map[string]*sharedValue
	awsCfg   *aws.Config
	loadAWS  AWSLoader
	fetcher  *fetch.Fetcher
	// fetchersBuilt counts fetcher constructions (one per process).
	fetchersBuilt int
}

// InLambda reports whether the process runs in AWS Lambda.
func InLambda(lookup config.LookupFunc) bool {
	_, ok := lookup("AWS_LAMBDA_FUNCTION_NAME")
	return ok
}

// AWSLoader loads the AWS configuration of a process.
type AWSLoader func(ctx context.Context) (aws.Config, error)

// Option changes how New builds a process.
type Option func(*Process)

// WithAWSLoader replaces the default AWS loader (awsenv.Load: the
// environment variables Lambda sets, and nothing that would link the SDK's
// SSO, STS and IMDS providers into a function). The local server and the
// CLI pass config.LoadDefaultConfig, for profiles and SSO.
func WithAWSLoader(load AWSLoader) Option {
	return func(p *Process) { p.loadAWS = load }
}

// New loads the configuration through lookup and builds the process's
// common adapters. Nothing here dials the network unless a secret ARN is
// configured (cold starts stay short).
func New(ctx context.Context, name string, lookup config.LookupFunc, opts ...Option) (*Process, error) {
	cfg, err := config.Load(lookup)
	if err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})).
		With(slog.String("service", "riptide"), slog.String("function", name))
	p := &Process{Name: name, Config: cfg, Lookup: lookup, Logger: logger, Started: time.Now(),
		InLambda: InLambda(lookup), shared: map[string]*sharedValue{}, loadAWS: awsenv.Load}
	for _, opt := range opts {
		opt(p)
	}

	var src secrets.Source = secrets.Env{Lookup: lookup}
	if cfg.APIKeysSecret != "" || cfg.RedisSecret != "" || cfg.VendorKeysSecret != "" || cfg.KeyPepperSecret != "" {
		awsCfg, err := p.AWS(ctx)
		if err != nil {
			return nil, err
		}
		if src, err = secrets.NewSecretsManager(ctx, awsCfg); err != nil {
			return nil, err
		}
	}
	p.Secrets = &secrets.Cached{Source: src, TTL: SecretTTL}

	password := ""
	if cfg.RedisSecret != "" {
		raw, err := p.Secrets.Get(ctx, cfg.RedisSecret)
		if err != nil {
			return nil, fmt.Errorf("redis auth secret: %w", err)
		}
		if password, err = secrets.ParsePassword(raw); err != nil {
			return nil, err
		}
	}
	store.SetClientLogger(p.Logger)
	if p.Store, err = store.Open(store.Options{URL: cfg.RedisURL, Password: password, Prefix: cfg.KeyPrefix}); err != nil {
		return nil, err
	}
	if p.Store.Embedded() && p.InLambda {
		logger.Warn("REDIS_URL is not set: using an in-process Redis; state is lost with this Lambda instance")
	}
	p.checkers = []health.Checker{health.Redis(p.Store)}
	p.buildRecorder()

	p.Auth = httpx.AuthConfig{Disabled: cfg.AuthDisabled, PublicMetrics: cfg.MetricsPublic}
	switch {
	case cfg.AuthDisabled:
	case cfg.APIKeysSecret != "":
		p.Auth.Authenticator = &httpx.SecretKeys{Source: p.Secrets, Name: cfg.APIKeysSecret, Static: cfg.APIKeys, Overlap: cfg.APIKeysOverlap}
	default:
		p.Auth.Authenticator = httpx.NewStaticKeys(cfg.APIKeys)
	}
	// Managed keys (the key store in Redis) sit beside the bootstrap keys,
	// which hold every scope and create the first managed ones. Without a
	// bootstrap key no one could ever create one, so the store stays off
	// and every 401 says that no key is configured.
	// An identity provider's admin tokens can create them too.
	if !cfg.AuthDisabled && (!p.Auth.NoKeysConfigured() || cfg.OIDCIssuer != "") {
		p.Keys = &keys.Service{Store: store.NewAPIKeys(p.Store), Pepper: []byte(cfg.KeyPepper),
			KnownPlan: func(name string) bool { _, ok := cfg.RatePlans[name]; return ok }}
		if cfg.KeyPepperSecret != "" {
			p.Keys.LoadPepper = p.pepperLoader(cfg.KeyPepperSecret)
		}
		p.Auth.Authenticator = &httpx.ManagedKeys{Keys: p.Keys, Bootstrap: p.Auth.Authenticator}
	}
	// Bearer tokens of the identity provider sit in front of the keys: a
	// JWT goes to the provider's keys, anything else on to the API keys.
	if !cfg.AuthDisabled && cfg.OIDCIssuer != "" {
		p.Auth.Authenticator = httpx.NewOIDCTokens(httpx.OIDCOptions{Issuer: cfg.OIDCIssuer, Audience: cfg.OIDCAudience, JWKSURL: cfg.OIDCJWKSURL,
			ScopeClaim: cfg.OIDCScopeClaim, TenantClaim: cfg.OIDCTenantClaim, PlanClaim: cfg.OIDCPlanClaim,
			HasPlan: func(name string) bool { _, ok := cfg.RatePlans[name]; return ok }}, p.Auth.Authenticator)
	}
	return p, nil
}

// pepperLoader reads the managed keys' pepper from the secret arn. The
// key service calls it once per process; the value is never logged (an
// error names the secret, not what it holds).
func (p *Process) pepperLoader(arn string) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		raw, err := p.Secrets.Get(ctx, arn)
		if err != nil {
			return nil, fmt.Errorf("RIPTIDE_KEY_PEPPER_SECRET_ARN: %w", err)
		}
		pepper, err := secrets.ParsePassword(raw)
		if err != nil {
			return nil, fmt.Errorf("RIPTIDE_KEY_PEPPER_SECRET_ARN: %w", err)
		}
		if len(pepper) < 16 {
			return nil, errors.New("RIPTIDE_KEY_PEPPER_SECRET_ARN: the pepper is shorter than 16 characters")
		}
		return []byte(pepper), nil
	}
}

// buildRecorder builds the process's recorder; the Redis buckets flush
// one last time when the process closes, before the store does. The
// /metrics families join through p.instance when a group installs them.
func (p *Process) buildRecorder() {
	p.Buckets = monitorstore.NewRecorder(p.Store, monitorstore.Options{Function: p.Name, Logger: p.Logger})
	p.closers = append(p.closers, p.Buckets.Close)
	var cloudWatch monitor.Recorder
	if p.InLambda {
		cloudWatch = emf.New(os.Stdout, p.Name)
	}
	p.Recorder = monitor.Multi(&p.instance, p.Buckets, cloudWatch)
}

// announceAuth says loudly, once at start of an HTTP home, when
// authentication is off or cannot succeed.
func (p *Process) announceAuth() {
	switch {
	case p.Config.AuthDisabled:
		p.Logger.Warn("authentication is DISABLED (RIPTIDE_AUTH=disabled): every caller has full access")
	case p.Config.APIKeysSecret == "" && len(p.Config.APIKeys) == 0:
		p.Logger.Error("NO API KEYS CONFIGURED: every protected route answers 401 until RIPTIDE_API_KEYS is set " +
			"(or RIPTIDE_AUTH=disabled for a private local server)")
	}
}

// AWS returns the AWS configuration, loaded on first use and then shared
// by every client of the process.
func (p *Process) AWS(ctx context.Context) (aws.Config, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.awsCfg != nil {
		return *p.awsCfg, nil
	}
	cfg, err := p.loadAWS(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	p.awsCfg = &cfg
	return cfg, nil
}

// Fetcher returns the process's one fetcher: its robots cache, connection
// pool, politeness and circuit breakers serve every group. With a real
// Redis, politeness and breakers are shared with every other process on
// it; with the embedded one (a single process) they stay in memory.
func (p *Process) Fetcher() *fetch.Fetcher {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fetcher != nil {
		return p.fetcher
	}
	opts := fetch.Options{AllowCIDRs: p.Config.AllowCIDRs, Logger: p.Logger}
	opts.Circuits = fetch.NewBreaker(opts.Breaker)
	if !p.Store.Embedded() {
		opts.HostLimiter = store.NewHostLimiter(p.Store, p.Logger)
		opts.Circuits = store.NewCircuits(p.Store, opts.Breaker, p.Logger)
	}
	opts.Circuits = countingBreaker{Breaker: opts.Circuits, rec: p.Recorder}
	f, err := fetch.New(opts)
	if err != nil {
		// fetch.New fails only on a bad Proxy option, and none is set here.
		panic(fmt.Sprintf("wire: build fetcher: %v", err))
	}
	p.fetcher = f
	p.fetchersBuilt++
	p.closers = append(p.closers, f.Close)
	return f
}

// Blob returns the process's blob store viewed under prefix (one prefix
// per data class: "artifacts/", "modules/", "uploads/", "results/"): S3
// when RIPTIDE_ARTIFACTS_BUCKET is set, a folder when RIPTIDE_BLOB_DIR is,
// else process memory.
func (p *Process) Blob(ctx context.Context, prefix string) (blob.Store, error) {
	base, err := Shared(p, "blob", func() (blob.Store, error) {
		switch {
		case p.Config.ArtifactsBucket != "":
			return p.s3Store(ctx, p.Config.ArtifactsBucket)
		case p.Config.BlobDir != "":
			return blob.NewDir(p.Config.BlobDir)
		}
		return blob.NewMemory(), nil
	})
	if err != nil {
		return nil, err
	}
	return blob.WithPrefix(base, prefix), nil
}

// AuditSink returns where the audit trail is exported: the audit bucket
// (RIPTIDE_AUDIT_BUCKET, Object Lock in CDK) when set, else the blob store.
func (p *Process) AuditSink(ctx context.Context) (blob.Store, error) {
	if p.Config.AuditBucket != "" {
		return p.BucketBlob(ctx, p.Config.AuditBucket)
	}
	return p.Blob(ctx, "")
}

// BucketBlob returns the blob store of another bucket than the artifacts
// one (the backup bucket), with the process's AWS configuration.
func (p *Process) BucketBlob(ctx context.Context, bucket string) (blob.Store, error) {
	return Shared(p, "blob.bucket."+bucket, func() (blob.Store, error) {
		return p.s3Store(ctx, bucket)
	})
}

func (p *Process) s3Store(ctx context.Context, bucket string) (blob.Store, error) {
	cfg, err := p.AWS(ctx)
	if err != nil {
		return nil, err
	}
	return s3blob.New(ctx, cfg, bucket, "", awsapi.Options{})
}

// FetchersBuilt reports how many fetchers the process built (one: tests
// hold the local server to it).
func (p *Process) FetchersBuilt() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.fetchersBuilt
}

// sharedValue is one adapter built once per process.
type sharedValue struct {
	once sync.Once
	v    any
	err  error
}

// Shared returns the value built once per process under key: group
// packages keep their adapters here (the renderer, the spider service) so
// that every group of the local server shares them. A failed build is
// remembered too: the process does not retry it per group.
func Shared[T any](p *Process, key string, build func() (T, error)) (T, error) {
	p.mu.Lock()
	sv := p.shared[key]
	if sv == nil {
		sv = &sharedValue{}
		p.shared[key] = sv
	}
	p.mu.Unlock()
	// Built outside the process lock: builders ask for other shared values.
	sv.once.Do(func() { sv.v, sv.err = build() })
	if sv.err != nil {
		var zero T
		return zero, sv.err
	}
	v, _ := sv.v.(T) // a nil interface value stays the zero T
	return v, nil
}

// Provide sets the value Shared returns for key, before anything asks for
// it (tests, and homes that bring their own adapter).
func Provide[T any](p *Process, key string, v T) {
	sv := &sharedValue{v: v}
	sv.once.Do(func() {})
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shared[key] = sv
}

// AddChecker adds a dependency health check (the health group reports it).
func (p *Process) AddChecker(c health.Checker) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.checkers = append(p.checkers, c)
}

// Checkers returns the dependency health checks added so far.
func (p *Process) Checkers() []health.Checker {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]health.Checker(nil), p.checkers...)
}

// OnClose registers fn to run when the process closes, before the store
// (a local orchestrator must stop before Redis goes away). Last in, first
// out.
func (p *Process) OnClose(fn func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closers = append(p.closers, fn)
}

// Close runs the OnClose functions, then releases the store.
func (p *Process) Close() error {
	p.mu.Lock()
	closers := p.closers
	p.closers = nil
	p.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	return p.Store.Close()
}

// Fatal logs err as JSON and exits: used by mains when wiring fails.
func Fatal(name string, err error) {
	slog.New(slog.NewJSONHandler(os.Stderr, nil)).Error("startup failed",
		slog.String("function", name), slog.String("error", err.Error()))
	os.Exit(1)
}
