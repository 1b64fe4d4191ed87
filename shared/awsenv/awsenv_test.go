package awsenv_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/riptidecrawler/riptide/internal/sigv4test"
	"github.com/riptidecrawler/riptide/shared/awsenv"
)

func env(m map[string]string) awsenv.LookupFunc {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func lambdaEnv() map[string]string {
	return map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIDLAMBDA",
		"AWS_SECRET_ACCESS_KEY": "lambda-secret", "AWS_SESSION_TOKEN": "session-token"}
}

func TestLambdaEnvironmentGivesRegionAndRoleCredentials(t *testing.T) {
	ctx := context.Background()
	cfg, err := awsenv.FromEnv(ctx, env(lambdaEnv()))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "eu-west-1" || creds.AccessKeyID != "AKIDLAMBDA" || creds.SecretAccessKey != "lambda-secret" || creds.SessionToken != "session-token" {
		t.Fatalf("region %q creds %+v", cfg.Region, creds)
	}
	if cfg.BaseEndpoint != nil {
		t.Fatalf("no endpoint variable, yet BaseEndpoint = %q", *cfg.BaseEndpoint)
	}

	m := lambdaEnv()
	delete(m, "AWS_REGION")
	if cfg, err := awsenv.FromEnv(ctx, env(m)); err != nil || cfg.Region != "" {
		t.Fatalf("no region: %q %v (the SDK's client reports a missing region on its first call)", cfg.Region, err)
	}
	m["AWS_DEFAULT_REGION"] = "us-east-2"
	if cfg, err := awsenv.FromEnv(ctx, env(m)); err != nil || cfg.Region != "us-east-2" {
		t.Fatalf("AWS_DEFAULT_REGION: %q %v", cfg.Region, err)
	}
}

func TestMissingOrHalfSetVariablesAreClearErrors(t *testing.T) {
	ctx := context.Background()
	for name, change := range map[string]func(map[string]string){
		"no credentials": func(m map[string]string) { delete(m, "AWS_ACCESS_KEY_ID"); delete(m, "AWS_SECRET_ACCESS_KEY") },
		"key id only":    func(m map[string]string) { delete(m, "AWS_SECRET_ACCESS_KEY") },
		"bad attempts":   func(m map[string]string) { m["AWS_MAX_ATTEMPTS"] = "zero" },
		"bad retry mode": func(m map[string]string) { m["AWS_RETRY_MODE"] = "sometimes" },
	} {
		m := lambdaEnv()
		change(m)
		// Malformed settings fail the load; missing credentials fail the
		// first call that needs them (a process builds clients it may
		// never call), as with the SDK's loader.
		cfg, err := awsenv.FromEnv(ctx, env(m))
		if err == nil {
			_, err = cfg.Credentials.Retrieve(ctx)
		}
		if err == nil || !strings.Contains(err.Error(), "AWS configuration: ") {
			t.Errorf("%s: error %v, want an AWS configuration error", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "lambda-secret") {
			t.Errorf("%s: the error shows the secret key: %v", name, err)
		}
	}
	m := lambdaEnv()
	m["AWS_MAX_ATTEMPTS"], m["AWS_RETRY_MODE"] = "5", "adaptive"
	cfg, err := awsenv.FromEnv(ctx, env(m))
	if err != nil || cfg.RetryMaxAttempts != 5 || cfg.RetryMode != aws.RetryModeAdaptive {
		t.Fatalf("retry settings: %d %q %v", cfg.RetryMaxAttempts, cfg.RetryMode, err)
	}
}

// secretsManager answers GetSecretValue in the service's JSON 1.1 wire
// format and counts the calls it gets.
func secretsManager(t *testing.T, value string) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		lambdaCreds := aws.Credentials{AccessKeyID: "AKIDLAMBDA", SecretAccessKey: "lambda-secret", SessionToken: "session-token"}
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || sigv4test.Verify(r, body, lambdaCreds, "eu-west-1", "secretsmanager") != "" {
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"AccessDeniedException","message":"unexpected request"}`)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]string{"ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:k", "Name": "k", "SecretString": value})
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func getSecret(t *testing.T, cfg aws.Config) string {
	t.Helper()
	out, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String("k")})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.SecretString)
}

func TestServiceEndpointVariablesRouteTheClients(t *testing.T) {
	ctx := context.Background()
	perService, perServiceCalls := secretsManager(t, "from the service endpoint")
	global, globalCalls := secretsManager(t, "from the global endpoint")

	m := lambdaEnv()
	m["AWS_ENDPOINT_URL"] = global.URL
	cfg, err := awsenv.FromEnv(ctx, env(m))
	if err != nil {
		t.Fatal(err)
	}
	if got := getSecret(t, cfg); got != "from the global endpoint" || globalCalls.Load() != 1 {
		t.Fatalf("AWS_ENDPOINT_URL: got %q (%d calls)", got, globalCalls.Load())
	}

	m["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = perService.URL
	if cfg, err = awsenv.FromEnv(ctx, env(m)); err != nil {
		t.Fatal(err)
	}
	if got := getSecret(t, cfg); got != "from the service endpoint" || perServiceCalls.Load() != 1 || globalCalls.Load() != 1 {
		t.Fatalf("AWS_ENDPOINT_URL_SECRETS_MANAGER: got %q (%d/%d calls)", got, perServiceCalls.Load(), globalCalls.Load())
	}

	// Ignoring configured endpoints drops both (no call is made here: the
	// client would go to AWS itself).
	m["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	if cfg, err = awsenv.FromEnv(ctx, env(m)); err != nil {
		t.Fatal(err)
	}
	if cfg.BaseEndpoint != nil {
		t.Fatalf("BaseEndpoint %q despite AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", *cfg.BaseEndpoint)
	}
	src := cfg.ConfigSources[0].(interface {
		GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
	})
	if v, found, _ := src.GetServiceBaseEndpoint(ctx, "Secrets Manager"); found {
		t.Fatalf("service endpoint %q despite AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", v)
	}
}

func TestContainerCredentialsEndpoint(t *testing.T) {
	ctx := context.Background()
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		_ = json.NewEncoder(w).Encode(map[string]string{"AccessKeyId": "AKIDCONTAINER", "SecretAccessKey": "container-secret",
			"Token": "container-token", "Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	}))
	defer srv.Close()

	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("file-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, tokenVar, tokenValue, want string }{
		{"token", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "inline-token", "inline-token"},
		{"token file", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", tokenFile, "file-token"},
	} {
		m := map[string]string{"AWS_REGION": "eu-west-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.URL + "/creds", tc.tokenVar: tc.tokenValue}
		cfg, err := awsenv.FromEnv(ctx, env(m))
		if err != nil {
			t.Fatal(err)
		}
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if creds.AccessKeyID != "AKIDCONTAINER" || creds.SessionToken != "container-token" || !creds.CanExpire || auth.Load() != tc.want {
			t.Fatalf("%s: creds %+v, Authorization %v", tc.name, creds, auth.Load())
		}
	}
}

// TestAgreesWithTheSDKLoader: for the variables a function has, the SDK's
// own loader and this one give the same region, credentials and endpoints.
func TestAgreesWithTheSDKLoader(t *testing.T) {
	ctx := context.Background()
	srv, calls := secretsManager(t, "same")
	m := lambdaEnv()
	m["AWS_ENDPOINT_URL_SECRETS_MANAGER"] = srv.URL
	m["AWS_ENDPOINT_URL"] = "http://127.0.0.1:1"
	// The SDK loader reads the process environment and the shared files.
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_PROFILE", "")
	for k, v := range m {
		t.Setenv(k, v)
	}
	sdk, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ours, err := awsenv.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, errA := sdk.Credentials.Retrieve(ctx)
	b, errB := ours.Credentials.Retrieve(ctx)
	if errA != nil || errB != nil || a.AccessKeyID != b.AccessKeyID || a.SecretAccessKey != b.SecretAccessKey || a.SessionToken != b.SessionToken {
		t.Fatalf("credentials differ: %+v %v / %+v %v", a, errA, b, errB)
	}
	if sdk.Region != ours.Region || aws.ToString(sdk.BaseEndpoint) != aws.ToString(ours.BaseEndpoint) {
		t.Fatalf("region/endpoint differ: %q %q / %q %q", sdk.Region, aws.ToString(sdk.BaseEndpoint), ours.Region, aws.ToString(ours.BaseEndpoint))
	}
	if getSecret(t, sdk) != "same" || getSecret(t, ours) != "same" || calls.Load() != 2 {
		t.Fatalf("both clients should reach the service endpoint: %d calls", calls.Load())
	}
}
