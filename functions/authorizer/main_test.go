package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// The sample event, through the function's handler on a real Redis and
// moto's API Gateway, is metered on the sample key's own gateway key.
func TestSampleEvents(t *testing.T) {
	cfg := motoaws.Config(t, "eu-west-1")
	stack := fmt.Sprintf("rtf%d", time.Now().UnixNano())
	motoaws.UsagePlans(t, cfg, stack, "default")
	env := map[string]string{"RIPTIDE_GATEWAY_STACK": stack, "REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t)}
	functest.DriveEventsWith(t, "authorizer", function.Handler, env)

	env["RIPTIDE_API_KEYS"], env["RIPTIDE_LOG_LEVEL"] = functest.SampleKey, "warn"
	h, err := function.Handler(context.Background(), config.FromMap(env))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(functest.RepoRoot(t), "events", "authorizer", "request.json"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := h.Invoke(context.Background(), raw)
	if err != nil {
		t.Fatal(err)
	}
	resp, ok := out.(events.APIGatewayCustomAuthorizerResponse)
	caller := httpx.KeyFingerprint(functest.SampleKey)
	if !ok || resp.PrincipalID != caller || resp.UsageIdentifierKey != gatewaykeys.KeyValue(stack, caller) {
		t.Fatalf("answer %#v, want the sample key's own usage key", out)
	}
}
