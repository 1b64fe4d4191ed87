// Package awsenv builds the AWS configuration of a Lambda function from its
// environment alone.
//
// config.LoadDefaultConfig reads shared config files and links every
// credential provider the SDK knows (SSO, SSO-OIDC, STS web identity and
// assume-role, sign-in, IMDS). Each of those service packages runs its
// generated schema and endpoint tables at package init: about 4,400
// allocations and 3-4 ms of every cold start, before main runs, in a
// process that can only ever use one provider. Lambda hands a function its
// role's credentials in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN (and SAM local does the same from the caller's
// profile), so a function needs the environment provider and nothing else.
//
// Load honours the environment variables the SDK's own loader does for what
// a function uses: region, credentials (static or the container credentials
// endpoint), AWS_ENDPOINT_URL and the per-service AWS_ENDPOINT_URL_<SERVICE>,
// AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, AWS_MAX_ATTEMPTS and AWS_RETRY_MODE.
// Processes that run on a developer's machine (the CLI, `riptide serve`)
// keep config.LoadDefaultConfig with profiles and SSO.
package awsenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// LookupFunc reads one environment variable.
type LookupFunc func(key string) (string, bool)

// Load builds the configuration from the process environment.
func Load(ctx context.Context) (aws.Config, error) {
	return FromEnv(ctx, os.LookupEnv)
}

// FromEnv builds the configuration from the variables lookup returns.
func FromEnv(_ context.Context, lookup LookupFunc) (aws.Config, error) {
	get := func(key string) string {
		v, _ := lookup(key)
		return strings.TrimSpace(v)
	}
	cfg := aws.Config{Region: get("AWS_REGION")}
	if cfg.Region == "" {
		cfg.Region = get("AWS_DEFAULT_REGION")
	}
	// A missing region or missing credentials fail the first call that
	// needs them, as with the SDK's loader, not the wiring: a process
	// builds clients it may never call.
	cfg.Credentials = aws.NewCredentialsCache(credentialsFrom(get))

	endpoints := serviceEndpoints{get: get}
	if !endpoints.ignored() {
		if base := get("AWS_ENDPOINT_URL"); base != "" {
			cfg.BaseEndpoint = aws.String(base)
		}
	}
	// Each service client asks the config sources for its own endpoint
	// (AWS_ENDPOINT_URL_SECRETS_MANAGER, ...) before falling back to
	// BaseEndpoint, the way config.LoadDefaultConfig's EnvConfig answers.
	cfg.ConfigSources = []any{endpoints}

	if v := get("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return aws.Config{}, fmt.Errorf("AWS configuration: AWS_MAX_ATTEMPTS=%q is not a positive integer", v)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := get("AWS_RETRY_MODE"); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("AWS configuration: AWS_RETRY_MODE: %w", err)
		}
		cfg.RetryMode = mode
	}
	return cfg, nil
}

// credentialsFrom picks the static credentials Lambda sets, else the
// container credentials endpoint (ECS, Lambda managed instances), else a
// provider that explains what is missing.
func credentialsFrom(get func(string) string) aws.CredentialsProvider {
	id, secret := get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY")
	if id == "" {
		id = get("AWS_ACCESS_KEY")
	}
	if secret == "" {
		secret = get("AWS_SECRET_KEY")
	}
	switch {
	case id != "" && secret != "":
		return credentials.NewStaticCredentialsProvider(id, secret, get("AWS_SESSION_TOKEN"))
	case id != "" || secret != "":
		return missingCredentials("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together")
	}
	if uri := get("AWS_CONTAINER_CREDENTIALS_FULL_URI"); uri != "" {
		token, tokenFile := get("AWS_CONTAINER_AUTHORIZATION_TOKEN"), get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
		return endpointcreds.New(uri, func(o *endpointcreds.Options) {
			if tokenFile != "" {
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					raw, err := os.ReadFile(tokenFile)
					if err != nil {
						return "", fmt.Errorf("read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %w", err)
					}
					return strings.TrimSpace(string(raw)), nil
				})
				return
			}
			o.AuthorizationToken = token
		})
	}
	return missingCredentials("no credentials in the environment " +
		"(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, which Lambda sets from the function's role)")
}

// missingCredentials fails every retrieval with why.
func missingCredentials(why string) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{}, errors.New("AWS configuration: " + why)
	}
}

// serviceEndpoints answers the service clients' endpoint questions from
// the environment. It implements the SDK's config-source interfaces
// (internal/configsources: ServiceBaseEndpointProvider and
// IgnoreConfiguredEndpointsProvider), which clients look up by method set.
type serviceEndpoints struct{ get func(string) string }

func (s serviceEndpoints) ignored() bool {
	v, err := strconv.ParseBool(s.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))
	return err == nil && v
}

// GetServiceBaseEndpoint returns AWS_ENDPOINT_URL_<SERVICE ID>, the SDK ID
// upper-cased with spaces as underscores (AWS_ENDPOINT_URL_SECRETS_MANAGER).
func (s serviceEndpoints) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	if s.ignored() {
		return "", false, nil
	}
	name := "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(sdkID), " ", "_")
	if v := s.get(name); v != "" {
		return v, true, nil
	}
	return "", false, nil
}

// GetIgnoreConfiguredEndpoints reports AWS_IGNORE_CONFIGURED_ENDPOINT_URLS.
func (s serviceEndpoints) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return s.ignored(), s.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") != "", nil
}
