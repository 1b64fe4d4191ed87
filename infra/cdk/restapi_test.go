package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

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
	// Auth is the application's: no API Gateway keys (operators import a
	// client's key into a usage plan) or authorizers.
	for _, typ := range []string{"AWS::ApiGateway::ApiKey", "AWS::ApiGateway::Authorizer"} {
		if n := len(resources(s.restJSON, typ)); n != 0 {
			t.Errorf("%d %s resources, want none", n, typ)
		}
	}
}

// The outer layer: one usage plan per plan name, each throttling per key
// on the stage, keys read from X-API-Key.
func TestUsagePlansThrottlePerStageAndPlan(t *testing.T) {
	s := shared(t)
	check(t, "api key source", func() {
		s.rest.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{"ApiKeySourceType": "HEADER"})
	})
	plans := resources(s.restJSON, "AWS::ApiGateway::UsagePlan")
	if len(plans) != len(DefaultUsagePlans) {
		t.Fatalf("%d usage plans, want %d", len(plans), len(DefaultUsagePlans))
	}
	for _, p := range DefaultUsagePlans {
		check(t, "usage plan "+p.Name, func() {
			s.rest.HasResourceProperties(jsii.String("AWS::ApiGateway::UsagePlan"), map[string]any{
				"UsagePlanName": assertions.Match_StringLikeRegexp(jsii.String("-" + p.Name + "$")),
				"Throttle":      map[string]any{"RateLimit": p.RatePerSecond, "BurstLimit": p.Burst},
				"ApiStages":     []any{map[string]any{"ApiId": assertions.Match_AnyValue(), "Stage": assertions.Match_AnyValue()}},
			})
		})
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
	fns := []routes.Function{{Name: "a", MemoryMB: 128, TimeoutSec: 3}}
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
	} {
		t.Run(name, func(t *testing.T) {
			app := mustApp(t)
			_, err := NewRiptideStack(app, "Bad", &RiptideStackProps{AssetDir: dir, Functions: fns, Routes: c.routes})
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
