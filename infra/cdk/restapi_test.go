package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// gatewayMethod is one API Gateway method as deployed, read back from the
// nested template.
type gatewayMethod struct {
	function string // route-table function name
	alias    bool   // integration calls the function's live alias
	stream   bool
	uri      string
	timeout  any
}

// deployedMethods reads every method of the REST API as "METHOD /path".
func deployedMethods(t *testing.T, s *synthesized) map[string]gatewayMethod {
	t.Helper()
	// nested stack parameter -> function logical id in the root stack
	// (a live alias's ARN is its Ref; the function's ARN a GetAtt)
	aliasOf := map[string]string{} // alias logical id -> function logical id
	for id, a := range resources(s.rootJSON, "AWS::Lambda::Alias") {
		aliasOf[id] = ref(props(a)["FunctionName"])
	}
	params := map[string]string{}
	viaAlias := map[string]bool{}
	for _, st := range resources(s.rootJSON, "AWS::CloudFormation::Stack") {
		for name, v := range props(st)["Parameters"].(map[string]any) {
			if id, attr := getAtt(v); attr == "Arn" {
				params[name] = id
			} else if fn, ok := aliasOf[ref(v)]; ok {
				params[name] = fn
				viaAlias[name] = true
			}
		}
	}
	nameOf := map[string]string{}
	for name, id := range functionIDs(t, s.rootJSON) {
		nameOf[id] = name
	}

	res := resources(s.restJSON, "AWS::ApiGateway::Resource")
	var pathOf func(v any) string
	pathOf = func(v any) string {
		if _, attr := getAtt(v); attr == "RootResourceId" {
			return ""
		}
		r, ok := res[ref(v)]
		if !ok {
			t.Fatalf("unknown resource %v", v)
		}
		return pathOf(props(r)["ParentId"]) + "/" + props(r)["PathPart"].(string)
	}

	out := map[string]gatewayMethod{}
	for id, m := range resources(s.restJSON, "AWS::ApiGateway::Method") {
		p := props(m)
		path := pathOf(p["ResourceId"])
		if path == "" {
			path = "/"
		}
		integ := p["Integration"].(map[string]any)
		if integ["Type"] != "AWS_PROXY" {
			t.Errorf("method %s: integration type %v, want AWS_PROXY", id, integ["Type"])
		}
		uri := joined(integ["Uri"])
		fn, alias := "", false
		for param, fnID := range params {
			if strings.Contains(uri, "<Ref:"+param+">") {
				fn, alias = nameOf[fnID], viaAlias[param]
			}
		}
		if fn == "" {
			t.Errorf("method %s %s: integration %s calls no function of the table", p["HttpMethod"], path, uri)
		}
		key := fmt.Sprintf("%s %s", p["HttpMethod"], path)
		if _, dup := out[key]; dup {
			t.Errorf("method %s defined twice", key)
		}
		out[key] = gatewayMethod{function: fn, alias: alias, stream: integ["ResponseTransferMode"] == "STREAM", uri: uri, timeout: integ["TimeoutInMillis"]}
	}
	return out
}

func TestEveryRoutePathHasItsMethod(t *testing.T) {
	s := shared(t)
	deployed := deployedMethods(t, s)
	want := map[string]bool{}
	for _, r := range routes.Routes() {
		if r.WebSocket {
			continue
		}
		f, ok := routes.LookupFunction(r.Group)
		if !ok {
			t.Fatalf("route %s: group %s has no function", r.Op, r.Group)
		}
		for _, p := range r.Paths() {
			gp, err := GatewayPath(p)
			if err != nil {
				t.Fatal(err)
			}
			key := r.Method + " " + gp
			want[key] = true
			m, ok := deployed[key]
			if !ok {
				t.Errorf("route %s: %s is not in the REST API", r.Op, key)
				continue
			}
			if m.function != r.Group {
				t.Errorf("route %s: %s calls function %q, want %q", r.Op, key, m.function, r.Group)
			}
			if !m.alias {
				t.Errorf("route %s: %s calls the function, not its %s alias (CodeDeploy could not shift it)", r.Op, key, LiveAlias)
			}
			if m.stream != r.Stream {
				t.Errorf("route %s: %s streaming = %v, want %v", r.Op, key, m.stream, r.Stream)
			}
			if r.Stream {
				if !strings.Contains(m.uri, "/2021-11-15/functions/") || !strings.HasSuffix(m.uri, "/response-streaming-invocations") {
					t.Errorf("route %s: %s stream integration URI %s, want .../2021-11-15/functions/<arn>/response-streaming-invocations", r.Op, key, m.uri)
				}
				if want := float64(min(f.TimeoutSec, 900) * 1000); m.timeout != want {
					t.Errorf("route %s: %s stream timeout %v ms, want %v (the function's timeout)", r.Op, key, m.timeout, want)
				}
			} else {
				if !strings.HasSuffix(m.uri, "/invocations") || strings.Contains(m.uri, "response-streaming") {
					t.Errorf("route %s: %s buffered integration URI %s", r.Op, key, m.uri)
				}
				// Deliberate: the function's timeout + 1 s, at most API
				// Gateway's 29 s (longer work answers 202: docs/deploy.md).
				want := float64(min(f.TimeoutSec+1, 29) * 1000)
				if m.timeout != want {
					t.Errorf("route %s: %s buffered timeout %v ms, want %v", r.Op, key, m.timeout, want)
				}
			}
		}
	}
	// Nothing but the route table (and the ANY fallbacks below) is exposed.
	for key := range deployed {
		if !want[key] && !strings.HasPrefix(key, "ANY ") {
			t.Errorf("REST API serves %s, which no route declares", key)
		}
	}
}

func TestEveryResourceFallsBackToItsFunction(t *testing.T) {
	s := shared(t)
	deployed := deployedMethods(t, s)
	paths := map[string]string{} // path -> function of its first route
	for _, key := range slices.Sorted(maps.Keys(deployed)) {
		method, path, _ := strings.Cut(key, " ")
		if method != "ANY" {
			if _, ok := paths[path]; !ok {
				paths[path] = deployed[key].function
			}
		}
	}
	for path, fn := range paths {
		any, ok := deployed["ANY "+path]
		if !ok {
			t.Errorf("%s has no ANY method: CORS preflights and wrong methods would get API Gateway's 403", path)
			continue
		}
		if any.stream || any.function != fn {
			t.Errorf("ANY %s calls %s (stream %v), want %s buffered", path, any.function, any.stream, fn)
		}
	}
}

func TestWebSocketRoutesStayOffTheRESTAPI(t *testing.T) {
	s := shared(t)
	deployed := deployedMethods(t, s)
	httpPaths := map[string]bool{}
	for _, r := range routes.Routes() {
		if !r.WebSocket {
			for _, p := range r.Paths() {
				gp, _ := GatewayPath(p)
				httpPaths[gp] = true
			}
		}
	}
	n := 0
	for _, r := range routes.Routes() {
		if !r.WebSocket {
			continue
		}
		for _, p := range r.Paths() {
			gp, _ := GatewayPath(p)
			if httpPaths[gp] {
				continue
			}
			n++
			for key := range deployed {
				if strings.HasSuffix(key, " "+gp) {
					t.Errorf("WebSocket route %s is on the REST API as %s", r.Op, key)
				}
			}
		}
	}
	if n == 0 {
		t.Skip("the route table has no WebSocket-only path")
	}
}

// A function serving ~30 paths must not get ~60 permissions: Lambda's
// resource policy is limited to 20 KB.
func TestOneInvokePermissionPerFunction(t *testing.T) {
	s := shared(t)
	perms := map[string]int{}
	for id, p := range resources(s.restJSON, "AWS::Lambda::Permission") {
		pp := props(p)
		if pp["Principal"] != "apigateway.amazonaws.com" || pp["Action"] != "lambda:InvokeFunction" {
			t.Errorf("permission %s: %v %v", id, pp["Principal"], pp["Action"])
		}
		if src := joined(pp["SourceArn"]); !strings.HasSuffix(src, "/*/*/*") {
			t.Errorf("permission %s: SourceArn %s, want the API's own execute-api ARN", id, src)
		}
		perms[ref(pp["FunctionName"])]++
	}
	served := map[string]bool{}
	for _, r := range routes.Routes() {
		if !r.WebSocket {
			served[r.Group] = true
		}
	}
	if len(perms) != len(served) {
		t.Errorf("permissions for %d functions, %d functions serve HTTP routes", len(perms), len(served))
	}
	for fn, n := range perms {
		if n != 1 {
			t.Errorf("function parameter %s has %d permissions, want 1", fn, n)
		}
	}
}

func TestStageLogsTracesAndThrottles(t *testing.T) {
	s := shared(t)
	check(t, "stage", func() {
		s.rest.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
			"AccessLogSetting": map[string]any{"DestinationArn": assertions.Match_AnyValue()},
			"TracingEnabled":   true,
			"MethodSettings": []any{map[string]any{
				"HttpMethod": "*", "ResourcePath": "/*", "LoggingLevel": "ERROR", "MetricsEnabled": true,
				"DataTraceEnabled": false, "ThrottlingRateLimit": 50, "ThrottlingBurstLimit": 100,
			}},
		})
	})
}

var authorizerFn = routes.Function{Name: AuthorizerFunction, MemoryMB: 128, TimeoutSec: 3, Triggers: []string{"authorizer"}}

// The outer layer: one usage plan per plan name, each throttling per
// caller on the stage, with a shared fallback key; requests are metered on
// the key the authorizer names, never on a header the client chose.
func TestUsagePlansThrottlePerStageAndPlan(t *testing.T) {
	s := shared(t)
	check(t, "api key source", func() {
		s.rest.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"ApiKeySourceType": "AUTHORIZER"})
	})
	plans := resources(s.restJSON, "AWS::ApiGateway::UsagePlan")
	if len(plans) != len(DefaultUsagePlans) {
		t.Fatalf("%d usage plans, want %d", len(plans), len(DefaultUsagePlans))
	}
	keys := resources(s.restJSON, "AWS::ApiGateway::ApiKey")
	planKeys := resources(s.restJSON, "AWS::ApiGateway::UsagePlanKey")
	for _, p := range DefaultUsagePlans {
		var planID string
		for id, up := range plans {
			if props(up)["UsagePlanName"] == gatewaykeys.UsagePlanName(testStackName, p.Name) {
				planID = id
			}
		}
		if planID == "" {
			t.Errorf("no usage plan named %s", gatewaykeys.UsagePlanName(testStackName, p.Name))
			continue
		}
		check(t, "usage plan "+p.Name, func() {
			s.rest.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlan"), map[string]any{
				"UsagePlanName": gatewaykeys.UsagePlanName(testStackName, p.Name),
				"Throttle":      map[string]any{"RateLimit": p.RatePerSecond, "BurstLimit": p.Burst},
				"ApiStages":     []any{map[string]any{"ApiId": assertions.Match_AnyValue(), "Stage": assertions.Match_AnyValue()}},
			})
		})
		// The shared key the authorizer falls back to has the value it
		// computes, and is in the plan.
		want := gatewaykeys.KeyValue(testStackName, gatewaykeys.SharedCaller(p.Name))
		var keyID string
		for id, k := range keys {
			if props(k)["Value"] == want && props(k)["Enabled"] == true {
				keyID = id
			}
		}
		found := false
		for _, pk := range planKeys {
			if ref(props(pk)["KeyId"]) == keyID && ref(props(pk)["UsagePlanId"]) == planID {
				found = true
			}
		}
		if keyID == "" || !found {
			t.Errorf("plan %s: shared key %s missing or not in the plan (key %q)", p.Name, want, keyID)
		}
	}
}

// Every method of an authenticated route is metered by the authorizer
// function and needs the key it names; public routes and the ANY
// fallbacks are not (their answers are the application's, without a
// key). The authorizer is not cached (its identity is X-API-Key or a
// bearer token), knows the stack's plans, and may only touch API keys and
// this stack's usage plans.
func TestAuthenticatedMethodsAreMeteredByTheAuthorizer(t *testing.T) {
	s := shared(t)
	auths := resources(s.restJSON, "AWS::ApiGateway::Authorizer")
	if len(auths) != 1 {
		t.Fatalf("%d authorizers, want 1", len(auths))
	}
	var authID string
	for id, a := range auths {
		authID = id
		p := props(a)
		if p["Type"] != "REQUEST" || p["AuthorizerResultTtlInSeconds"] != float64(0) || (p["IdentitySource"] != nil && p["IdentitySource"] != "") {
			t.Errorf("authorizer %v: want REQUEST, TTL 0, no identity source", p)
		}
		if uri := joined(p["AuthorizerUri"]); !strings.Contains(uri, "AuthorizerLive") || !strings.HasSuffix(uri, "/invocations") {
			t.Errorf("authorizer URI %s", uri)
		}
	}
	public := map[string]bool{}
	for _, r := range routes.Routes() {
		if r.Public && !r.WebSocket {
			for _, p := range r.Paths() {
				gp, _ := GatewayPath(p)
				public[r.Method+" "+gp] = true
			}
		}
	}
	metered := 0
	for id, m := range resources(s.restJSON, "AWS::ApiGateway::Method") {
		p := props(m)
		custom := p["AuthorizationType"] == "CUSTOM" && ref(p["AuthorizerId"]) == authID && p["ApiKeyRequired"] == true
		if p["HttpMethod"] == "ANY" {
			if p["AuthorizationType"] != "NONE" || p["ApiKeyRequired"] == true {
				t.Errorf("ANY method %s is metered: CORS preflights would need a key", id)
			}
			continue
		}
		if custom {
			metered++
		}
	}
	want := 0
	for key := range deployedMethods(t, s) {
		if !strings.HasPrefix(key, "ANY ") && !public[key] {
			want++
		}
	}
	if metered != want || want == 0 {
		t.Errorf("%d metered methods, want %d (every method of an authenticated route)", metered, want)
	}
	ids := functionIDs(t, s.rootJSON)
	env := functionEnv(s.rootJSON, ids[AuthorizerFunction])
	var names []string
	for _, p := range DefaultUsagePlans {
		names = append(names, p.Name)
	}
	if env["RIPTIDE_GATEWAY_STACK"] != testStackName || env["RIPTIDE_GATEWAY_PLANS"] != strings.Join(names, ",") {
		t.Errorf("authorizer env %v", env)
	}
	var actions []string
	for _, pol := range resources(s.restJSON, "AWS::IAM::Policy") {
		for _, st := range dig(props(pol), "PolicyDocument", "Statement").([]any) {
			st := st.(map[string]any)
			for _, a := range st["Action"].([]any) {
				actions = append(actions, a.(string))
			}
			for _, r := range st["Resource"].([]any) {
				if res := joined(r); !strings.Contains(res, "::/apikeys") && !strings.Contains(res, "::/usageplans") {
					t.Errorf("authorizer policy reaches %s", res)
				}
			}
		}
	}
	slices.Sort(actions)
	if !slices.Equal(slices.Compact(actions), []string{"apigateway:DELETE", "apigateway:GET", "apigateway:POST"}) {
		t.Errorf("authorizer actions %v", actions)
	}
}

func TestGatewayErrorsUseRipTideShape(t *testing.T) {
	s := shared(t)
	byType := map[string]map[string]any{}
	for _, g := range resources(s.restJSON, "AWS::ApiGateway::GatewayResponse") {
		byType[props(g)["ResponseType"].(string)] = props(g)
	}
	nf := byType["MISSING_AUTHENTICATION_TOKEN"]
	if nf == nil || nf["StatusCode"] != "404" {
		t.Fatalf("unknown paths: %v, want a 404 gateway response", nf)
	}
	// The authorizer meters; its failure refuses nobody's request on a
	// rule, so the client may retry.
	for _, typ := range []string{"AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_API_KEY"} {
		if g := byType[typ]; g == nil || g["StatusCode"] != "503" {
			t.Errorf("%s: %v, want a retryable 503", typ, g)
		}
	}
	for typ, g := range byType {
		body := g["ResponseTemplates"].(map[string]any)["application/json"].(string)
		if !strings.HasPrefix(body, `{"error":{"type":"`) || !strings.Contains(body, `"request_id":"$context.requestId"`) ||
			!strings.Contains(body, `"status":`+g["StatusCode"].(string)+",") {
			t.Errorf("%s: body %s is not RipTide's error shape with status %v", typ, body, g["StatusCode"])
		}
	}
}

func TestGatewayPath(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"/api/v1/crawl", "/api/v1/crawl", ""},
		{"/api/v1/sessions/{id}/cookies/{domain}/{name}", "/api/v1/sessions/{id}/cookies/{domain}/{name}", ""},
		{"/healthz", "/healthz", ""},
		{"/files/{path...}", "/files/{path+}", ""},
		{"/files/{path...}/x", "", "last segment"},
		{"/api/{$}", "", "cannot be an API Gateway resource"},
		{"/a/pre{id}", "", "cannot be an API Gateway resource"},
		{"/a//b", "", "cannot be an API Gateway resource"},
		{"api/v1", "", "must start with /"},
	} {
		got, err := GatewayPath(c.in)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("GatewayPath(%q) error = %v, want one saying %q", c.in, err, c.err)
		case c.err == "" && (err != nil || got != c.want):
			t.Errorf("GatewayPath(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// A route table the REST API cannot express fails the build, naming the route.
func TestBadRouteTablesAreRejected(t *testing.T) {
	dir := t.TempDir()
	fns := []routes.Function{{Name: "a", MemoryMB: 128, TimeoutSec: 3}, authorizerFn}
	if err := writeAssets(dir, fns); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		routes []routes.Route
		want   string
	}{
		"unknown group": {[]routes.Route{{Op: "x.get", Group: "x", Method: "GET", Path: "/x"}}, `route x.get: no function for route group "x"`},
		"same path twice": {[]routes.Route{
			{Op: "a.one", Group: "a", Method: "GET", Path: "/a"},
			{Op: "a.two", Group: "a", Method: "GET", Path: "/b", Legacy: []string{"/a"}},
		}, "routes a.one and a.two both serve GET /a"},
		"inexpressible path": {[]routes.Route{{Op: "a.root", Group: "a", Method: "GET", Path: "/a/{$}"}}, "route a.root: path"},
		"no authorizer":      {[]routes.Route{{Op: "a.get", Group: "a", Method: "GET", Path: "/a"}}, "no authorizer function in the function table"},
		"no default plan":    {[]routes.Route{{Op: "a.get", Group: "a", Method: "GET", Path: "/a"}}, `usage plans: one must be named "default"`},
	} {
		t.Run(name, func(t *testing.T) {
			app := mustApp(t)
			table, plans := fns, DefaultUsagePlans
			switch name {
			case "no authorizer":
				table = fns[:1]
			case "no default plan":
				plans = []GatewayUsagePlan{{Name: "pro", RatePerSecond: 1, Burst: 1}}
			}
			_, err := NewRiptideStack(app, "Bad", &RiptideStackProps{AssetDir: dir, Functions: table, Routes: c.routes, UsagePlans: plans})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestMissingAssetsAreNamed(t *testing.T) {
	dir := t.TempDir()
	fns := []routes.Function{{Name: "a", MemoryMB: 128, TimeoutSec: 3}, {Name: "b", MemoryMB: 128, TimeoutSec: 3}}
	if err := writeAssets(dir, fns[:1]); err != nil {
		t.Fatal(err)
	}
	err := CheckAssets(dir, fns)
	if err == nil || !strings.Contains(err.Error(), "b.zip") || strings.Contains(err.Error(), "a.zip") {
		t.Fatalf("CheckAssets = %v, want an error naming only b.zip", err)
	}
	if err := CheckAssets(dir, fns[:1]); err != nil {
		t.Fatalf("CheckAssets with every zip present = %v", err)
	}
}
