package awsapi_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

var (
	lambdaSvc  = awsapi.Service{ID: "Lambda", EndpointPrefix: "lambda", SigningName: "lambda"}
	bedrockSvc = awsapi.Service{ID: "Bedrock Runtime", EndpointPrefix: "bedrock-runtime", SigningName: "bedrock"}
)

// cleanAWSEnv unsets every variable that steers endpoints, so the
// developer's or CI's environment cannot decide a case.
func cleanAWSEnv(t *testing.T) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_ENDPOINT_URL") || strings.HasPrefix(k, "AWS_USE_") || k == "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" || k == "AWS_PROFILE" {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
}

// Endpoints are resolved from a config loaded by config.LoadDefaultConfig,
// as in the functions, so the SDK's own config sources answer the
// per-service lookups.
func TestResolveEndpointFollowsTheSDK(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		svc      awsapi.Service
		region   string
		override string
		want     string
	}{
		{"default", nil, lambdaSvc, "eu-west-1", "", "https://lambda.eu-west-1.amazonaws.com"},
		{"bedrock default", nil, bedrockSvc, "us-east-1", "", "https://bedrock-runtime.us-east-1.amazonaws.com"},
		{"china", nil, lambdaSvc, "cn-north-1", "", "https://lambda.cn-north-1.amazonaws.com.cn"},
		{"govcloud", nil, lambdaSvc, "us-gov-west-1", "", "https://lambda.us-gov-west-1.amazonaws.com"},
		{"iso", nil, lambdaSvc, "us-iso-east-1", "", "https://lambda.us-iso-east-1.c2s.ic.gov"},
		{"isob", nil, lambdaSvc, "us-isob-east-1", "", "https://lambda.us-isob-east-1.sc2s.sgov.gov"},
		{"eusc", nil, lambdaSvc, "eusc-de-east-1", "", "https://lambda.eusc-de-east-1.amazonaws.eu"},
		{"fips", map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"}, lambdaSvc, "us-east-1", "", "https://lambda-fips.us-east-1.amazonaws.com"},
		{"dual-stack", map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true"}, lambdaSvc, "eu-west-1", "", "https://lambda.eu-west-1.api.aws"},
		{"fips dual-stack china", map[string]string{"AWS_USE_FIPS_ENDPOINT": "true", "AWS_USE_DUALSTACK_ENDPOINT": "true"}, bedrockSvc, "cn-north-1", "",
			"https://bedrock-runtime-fips.cn-north-1.api.amazonwebservices.com.cn"},
		{"service variable", map[string]string{"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:4001"}, lambdaSvc, "eu-west-1", "", "http://127.0.0.1:4001"},
		{"service variable with a space in the id", map[string]string{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://127.0.0.1:4002/br"}, bedrockSvc, "eu-west-1", "", "http://127.0.0.1:4002/br"},
		{"another service's variable", map[string]string{"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": "http://127.0.0.1:4002"}, lambdaSvc, "eu-west-1", "", "https://lambda.eu-west-1.amazonaws.com"},
		{"global variable", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4003"}, lambdaSvc, "eu-west-1", "", "http://127.0.0.1:4003"},
		{"service variable beats global", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4003", "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:4001"}, lambdaSvc, "eu-west-1", "", "http://127.0.0.1:4001"},
		{"configured endpoints ignored", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4003", "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:4001", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
			lambdaSvc, "eu-west-1", "", "https://lambda.eu-west-1.amazonaws.com"},
		{"explicit override beats all", map[string]string{"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:4001"}, lambdaSvc, "eu-west-1", "http://127.0.0.1:4009", "http://127.0.0.1:4009"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cleanAWSEnv(t)
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(c.region))
			if err != nil {
				t.Fatal(err)
			}
			u, err := awsapi.ResolveEndpoint(context.Background(), cfg, c.svc, c.override, c.region)
			if err != nil || u.String() != c.want {
				t.Fatalf("got %v, %v; want %s", u, err, c.want)
			}
		})
	}
}

// The shared config file's services section (endpoint_url per service)
// applies through the SDK's config sources too.
func TestResolveEndpointFromTheSharedConfigFile(t *testing.T) {
	cleanAWSEnv(t)
	file := filepath.Join(t.TempDir(), "config")
	conf := "[default]\nregion = eu-west-1\nservices = local\n\n[services local]\nlambda =\n  endpoint_url = http://127.0.0.1:4011\nbedrock_runtime =\n  endpoint_url = http://127.0.0.1:4012\n"
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", file)
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for svc, want := range map[awsapi.Service]string{lambdaSvc: "http://127.0.0.1:4011", bedrockSvc: "http://127.0.0.1:4012"} {
		if u, err := awsapi.ResolveEndpoint(context.Background(), cfg, svc, "", cfg.Region); err != nil || u.String() != want {
			t.Errorf("%s: %v %v; want %s", svc.ID, u, err, want)
		}
	}
}

func TestResolveEndpointRefusals(t *testing.T) {
	cleanAWSEnv(t)
	ctx := context.Background()
	if _, err := awsapi.ResolveEndpoint(ctx, aws.Config{}, lambdaSvc, "", ""); err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region: %v", err)
	}
	if _, err := awsapi.ResolveEndpoint(ctx, aws.Config{}, lambdaSvc, "", "eu-west-1.evil.test/x"); err == nil {
		t.Error("a region that is not a host label was accepted")
	}
	if _, err := awsapi.ResolveEndpoint(ctx, aws.Config{}, lambdaSvc, "127.0.0.1:80", "eu-west-1"); err == nil {
		t.Error("a relative endpoint was accepted")
	}
	t.Setenv("AWS_USE_FIPS_ENDPOINT", "true")
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := awsapi.ResolveEndpoint(ctx, cfg, lambdaSvc, "http://127.0.0.1:1", "us-east-1"); err == nil || !strings.Contains(err.Error(), "FIPS") {
		t.Errorf("FIPS with a custom endpoint: %v (the SDK refuses the combination)", err)
	}
}

func TestEndpointVar(t *testing.T) {
	if got := bedrockSvc.EndpointVar(); got != "AWS_ENDPOINT_URL_BEDROCK_RUNTIME" {
		t.Fatal(got)
	}
}
