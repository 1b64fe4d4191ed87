package authorizerwire_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys/apigw"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/authorizerwire"
)

const bootstrap = "bootstrap-key-0123456789abcdef"

// TestTheAuthorizerMetersEachCallerOnItsPlansUsagePlan drives the
// authorizer function as Lambda would (authorizer events through the
// function's handler) on a real redis-server and moto's API Gateway: a
// managed key of plan pro, the bootstrap key (default) and a request
// without a valid credential (anonymous) each get a key of their own in
// their plan's usage plan, and a revoked key is anonymous to the next
// instance.
func TestTheAuthorizerMetersEachCallerOnItsPlansUsagePlan(t *testing.T) {
	cfg := motoaws.Config(t, "eu-west-1")
	api, err := awsapi.New(context.Background(), cfg, apigw.Service, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	stack := fmt.Sprintf("rtw%d", time.Now().UnixNano())
	planIDs := motoaws.UsagePlans(t, cfg, stack, "default", "pro", "anonymous")
	env := config.FromMap(map[string]string{"RIPTIDE_LOG_LEVEL": "error", "REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t),
		"RIPTIDE_API_KEYS": bootstrap, "RIPTIDE_KEY_PEPPER": "pepper", "RIPTIDE_GATEWAY_STACK": stack, "RIPTIDE_GATEWAY_PLANS": "default,pro,anonymous",
		"RIPTIDE_RATE_PLANS": `{"pro": {"*": {"requests": 1200}}}`})
	instance := func() (*lambdaio.Handler, *wire.Process) {
		h, p, err := wire.Function(ctx, "authorizer", env, authorizerwire.Build)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return h, p
	}
	h, p := instance()
	key, token, err := p.Keys.Create(ctx, keys.Spec{Name: "alice", Scopes: []keys.Scope{"crawl"}, Plan: "pro"})
	if err != nil {
		t.Fatal(err)
	}
	gw, err := apigw.New(ctx, cfg, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	authorize := func(h *lambdaio.Handler, headers map[string]string) events.APIGatewayCustomAuthorizerResponse {
		t.Helper()
		ev, _ := json.Marshal(events.APIGatewayCustomAuthorizerRequestTypeRequest{Type: "REQUEST", HTTPMethod: "POST", Path: "/api/v1/crawl",
			MethodArn: "arn:aws:execute-api:eu-west-1:111122223333:abc/prod/POST/api/v1/crawl", Headers: headers})
		out, err := h.Invoke(ctx, ev)
		if err != nil {
			t.Fatal(err)
		}
		resp := out.(events.APIGatewayCustomAuthorizerResponse)
		if st := resp.PolicyDocument.Statement; len(st) != 1 || st[0].Effect != "Allow" {
			t.Fatalf("policy %+v: the authorizer meters, it never refuses", resp.PolicyDocument)
		}
		return resp
	}
	inPlan := func(caller, plan string) {
		t.Helper()
		var out struct {
			Items []struct{ ID, Name string } `json:"item"`
		}
		q := url.Values{"name": {gatewaykeys.KeyName(stack, caller)}}
		if _, err := api.DoJSON(ctx, awsapi.Request{Method: http.MethodGet, Path: "/apikeys", Query: q}, nil, &out); err != nil || len(out.Items) != 1 {
			t.Fatalf("gateway keys of %s: %+v, %v", caller, out.Items, err)
		}
		plans, err := gw.PlansOf(ctx, out.Items[0].ID)
		if err != nil || !slices.Equal(plans, []string{planIDs[plan]}) {
			t.Fatalf("%s's key is in %v (%v), want plan %s (%s)", caller, plans, err, plan, planIDs[plan])
		}
	}
	for _, c := range []struct {
		name, caller, plan string
		headers            map[string]string
	}{
		{"managed key of plan pro", "rtk_" + key.ID, "pro", map[string]string{"Authorization": "Bearer " + token}},
		{"bootstrap key", httpx.KeyFingerprint(bootstrap), "default", map[string]string{"X-API-Key": bootstrap}},
		{"wrong key", gatewaykeys.AnonymousCaller, "anonymous", map[string]string{"x-api-key": "not-a-key"}},
		{"no credential", gatewaykeys.AnonymousCaller, "anonymous", nil},
	} {
		resp := authorize(h, c.headers)
		if resp.PrincipalID != c.caller || resp.UsageIdentifierKey != gatewaykeys.KeyValue(stack, c.caller) {
			t.Fatalf("%s: principal %q key %q, want %q on its own key", c.name, resp.PrincipalID, resp.UsageIdentifierKey, c.caller)
		}
		inPlan(c.caller, c.plan)
	}
	if _, err := p.Keys.Revoke(ctx, key.ID); err != nil {
		t.Fatal(err)
	}
	h2, _ := instance()
	if resp := authorize(h2, map[string]string{"Authorization": "Bearer " + token}); resp.UsageIdentifierKey != gatewaykeys.KeyValue(stack, gatewaykeys.AnonymousCaller) {
		t.Fatalf("revoked key metered on %q, want the anonymous key", resp.UsageIdentifierKey)
	}
}

// Without RIPTIDE_GATEWAY_STACK the function refuses to start and says
// what to set.
func TestTheAuthorizerNeedsItsStack(t *testing.T) {
	motoaws.Config(t, "eu-west-1")
	_, _, err := wire.Function(context.Background(), "authorizer", config.FromMap(map[string]string{"RIPTIDE_LOG_LEVEL": "error",
		"RIPTIDE_API_KEYS": bootstrap}), authorizerwire.Build)
	if err == nil || !strings.Contains(err.Error(), "RIPTIDE_GATEWAY_STACK") {
		t.Fatalf("err %v, want one naming RIPTIDE_GATEWAY_STACK", err)
	}
}
