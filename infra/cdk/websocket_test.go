package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// tableWebSocketFunction is the function the table gives the websocket
// trigger (crawl-ws today).
func tableWebSocketFunction(t *testing.T) string {
	t.Helper()
	var names []string
	for _, f := range routes.Functions() {
		if slices.Contains(f.Triggers, "websocket") {
			names = append(names, f.Name)
		}
	}
	if len(names) != 1 {
		t.Fatalf("functions with the websocket trigger: %v, want exactly one", names)
	}
	return names[0]
}

func TestWebSocketRoutesCallTheWebSocketFunction(t *testing.T) {
	s := shared(t)
	wsName := tableWebSocketFunction(t)
	wsAlias := aliasIDs(t, s.rootJSON)[wsName]

	apis := resources(s.rootJSON, "AWS::ApiGatewayV2::Api")
	apiID := only(t, apis)
	if p := props(apis[apiID]); p["ProtocolType"] != "WEBSOCKET" {
		t.Errorf("API %s: ProtocolType %v, want WEBSOCKET", apiID, p["ProtocolType"])
	}

	integrations := resources(s.rootJSON, "AWS::ApiGatewayV2::Integration")
	var keys []string
	for id, r := range resources(s.rootJSON, "AWS::ApiGatewayV2::Route") {
		p := props(r)
		key, _ := p["RouteKey"].(string)
		keys = append(keys, key)
		if ref(p["ApiId"]) != apiID {
			t.Errorf("route %s (%s) belongs to %v, not the WebSocket API", id, key, p["ApiId"])
		}
		// No API Gateway authorizer: the function checks $connect itself.
		if p["AuthorizationType"] != "NONE" || p["AuthorizerId"] != nil {
			t.Errorf("route %s: AuthorizationType %v, AuthorizerId %v; want NONE and none", key, p["AuthorizationType"], p["AuthorizerId"])
		}
		target := joined(p["Target"])
		integID, ok := strings.CutPrefix(target, "integrations/<Ref:")
		integ := integrations[strings.TrimSuffix(integID, ">")]
		if !ok || integ == nil {
			t.Errorf("route %s: target %s is not an integration of this stack", key, target)
			continue
		}
		ip := props(integ)
		uri := joined(ip["IntegrationUri"])
		if ip["IntegrationType"] != "AWS_PROXY" || !strings.Contains(uri, "/functions/<Ref:"+wsAlias+">/invocations") {
			t.Errorf("route %s: integration %v %s, want AWS_PROXY to function %s's live alias (%s)", key, ip["IntegrationType"], uri, wsName, wsAlias)
		}
	}
	if want := []string{"$connect", "$default", "$disconnect"}; !slices.Equal(sorted(keys), want) {
		t.Errorf("WebSocket routes %v, want %v", sorted(keys), want)
	}
	if n := len(resources(s.rootJSON, "AWS::ApiGatewayV2::Authorizer")); n != 0 {
		t.Errorf("%d WebSocket authorizers, want none", n)
	}

	// API Gateway may invoke the function for each route of this API only.
	var permitted []string
	for id, p := range resources(s.rootJSON, "AWS::Lambda::Permission") {
		pp := props(p)
		src := joined(pp["SourceArn"])
		if !strings.Contains(src, "<Ref:"+apiID+">") {
			continue
		}
		if ref(pp["FunctionName"]) != wsAlias || pp["Principal"] != "apigateway.amazonaws.com" || pp["Action"] != "lambda:InvokeFunction" {
			t.Errorf("permission %s: %v may %v %v", id, pp["Principal"], pp["Action"], pp["FunctionName"])
		}
		_, route, _ := strings.Cut(src, "<Ref:"+apiID+">/*")
		permitted = append(permitted, route)
	}
	if want := []string{"$connect", "$default", "$disconnect"}; !slices.Equal(sorted(permitted), want) {
		t.Errorf("invoke permissions for routes %v, want %v", sorted(permitted), want)
	}
}

func TestWebSocketStageLogsAndThrottles(t *testing.T) {
	s := shared(t)
	stages := resources(s.rootJSON, "AWS::ApiGatewayV2::Stage")
	stageID := only(t, stages)
	p := props(stages[stageID])
	if p["StageName"] != "prod" || p["AutoDeploy"] != true {
		t.Errorf("stage %v, AutoDeploy %v; want prod, auto-deployed", p["StageName"], p["AutoDeploy"])
	}
	if ref(p["ApiId"]) != only(t, resources(s.rootJSON, "AWS::ApiGatewayV2::Api")) {
		t.Errorf("stage of %v, not of the WebSocket API", p["ApiId"])
	}
	for k, want := range map[string]any{
		"ThrottlingRateLimit": float64(50), "ThrottlingBurstLimit": float64(100),
		"LoggingLevel": "ERROR", "DataTraceEnabled": false, "DetailedMetricsEnabled": true,
	} {
		if v := dig(p, "DefaultRouteSettings", k); v != want {
			t.Errorf("DefaultRouteSettings.%s = %v, want %v", k, v, want)
		}
	}
	logs, _ := p["AccessLogSettings"].(map[string]any)
	dest, attr := getAtt(logs["DestinationArn"])
	if _, ok := resources(s.rootJSON, "AWS::Logs::LogGroup")[dest]; !ok || attr != "Arn" {
		t.Errorf("access logs go to %v, not to a log group of this stack", logs["DestinationArn"])
	}
	for _, v := range []string{"$context.requestId", "$context.connectionId", "$context.eventType", "$context.routeKey", "$context.status"} {
		if !strings.Contains(fmt.Sprint(logs["Format"]), v) {
			t.Errorf("access log format %v lacks %s", logs["Format"], v)
		}
	}
	// Stage logs need API Gateway's account CloudWatch role, which the REST
	// API's nested stack sets: the stage must wait for it.
	if n := len(resources(s.restJSON, "AWS::ApiGateway::Account")); n != 1 {
		t.Fatalf("REST API nested stack has %d AWS::ApiGateway::Account, want 1", n)
	}
	account := *s.stack.Stack.GetLogicalId(s.stack.RestAPI.NestedStack.NestedStackResource())
	deps, _ := stages[stageID]["DependsOn"].([]any)
	if !slices.Contains(deps, any(account)) {
		t.Errorf("stage DependsOn %v, want the REST API nested stack %s (API Gateway account logging role)", deps, account)
	}
}

func TestWebSocketFunctionMayPostToItsConnectionsOnly(t *testing.T) {
	s := shared(t)
	wsName := tableWebSocketFunction(t)
	apiID := only(t, resources(s.rootJSON, "AWS::ApiGatewayV2::Api"))
	want := fmt.Sprintf("arn:<Ref:AWS::Partition>:execute-api:<Ref:AWS::Region>:<Ref:AWS::AccountId>:<Ref:%s>/prod/POST/@connections/*", apiID)
	for name, stmts := range functionStatements(t, s.rootJSON) {
		var got []string
		for _, st := range stmts {
			for _, a := range st.actions {
				if strings.HasPrefix(a, "execute-api:") {
					if a != "execute-api:ManageConnections" || st.effect != "Allow" {
						t.Errorf("function %s: %s %s", name, st.effect, a)
					}
					got = append(got, st.resources...)
				}
			}
		}
		switch {
		case name == wsName && !slices.Equal(got, []string{want}):
			t.Errorf("function %s: ManageConnections on %v, want exactly %s", name, got, want)
		case name != wsName && len(got) > 0:
			t.Errorf("function %s may manage WebSocket connections (%v)", name, got)
		}
	}
}

func TestWebSocketEndpointIsLeftToTheEvent(t *testing.T) {
	s := shared(t)
	for name, id := range functionIDs(t, s.rootJSON) {
		if v, ok := functionEnv(s.rootJSON, id)["RIPTIDE_WS_ENDPOINT"]; ok {
			t.Errorf("function %s: RIPTIDE_WS_ENDPOINT = %v, want it unset (derived from each event)", name, v)
		}
	}
}

func TestWebSocketOutputs(t *testing.T) {
	s := shared(t)
	apiID := only(t, resources(s.rootJSON, "AWS::ApiGatewayV2::Api"))
	host := "<Ref:" + apiID + ">.execute-api.<Ref:AWS::Region>.<Ref:AWS::URLSuffix>/prod"
	for id, want := range map[string]string{"WebSocketUrl": "wss://" + host, "WebSocketCallbackUrl": "https://" + host} {
		if got := joined(dig(s.rootJSON, "Outputs", id, "Value")); got != want {
			t.Errorf("output %s = %s, want %s", id, got, want)
		}
	}
}

// smallTable is a function table without a render function, with an HTTP
// function and a WebSocket one; smallRoutes serves the HTTP one.
func smallTable() ([]routes.Function, []routes.Route) {
	return []routes.Function{
			{Name: "a", MemoryMB: 128, TimeoutSec: 3},
			{Name: "ws", MemoryMB: 128, TimeoutSec: 30, Triggers: []string{"websocket"}},
			{Name: AuthorizerFunction, MemoryMB: 128, TimeoutSec: 3, Triggers: []string{"authorizer"}},
		}, []routes.Route{
			{Op: "a.get", Group: "a", Method: "GET", Path: "/a"},
		}
}

// Behind a custom domain the endpoint is set; without a render function
// there is no layer and no bucket.
func TestWebSocketEndpointSettingAndNoRenderFunction(t *testing.T) {
	if testing.Short() {
		t.Skip("synthesizes a second stack (seconds)")
	}
	fns, rts := smallTable()
	dir := t.TempDir()
	if err := writeAssets(dir, fns); err != nil {
		t.Fatal(err)
	}
	app := mustApp(t)
	const endpoint = "https://ws.riptide.invalid/crawl"
	st, err := NewRiptideStack(app, "Small", &RiptideStackProps{
		AssetDir: dir, Functions: fns, Routes: rts, WSEndpoint: endpoint,
		ChromiumLayer: "/nonexistent/layer.zip", // never read: no function needs Chromium
	})
	if err != nil {
		t.Fatal(err)
	}
	var tmpl map[string]any
	check(t, "synthesize", func() { tmpl = *assertions.Template_FromStack(st.Stack, nil).ToJSON() })
	if tmpl == nil {
		return
	}
	ids := functionIDs(t, tmpl)
	if got := functionEnv(tmpl, ids["ws"])["RIPTIDE_WS_ENDPOINT"]; got != endpoint {
		t.Errorf("ws: RIPTIDE_WS_ENDPOINT = %v, want %s", got, endpoint)
	}
	if _, ok := functionEnv(tmpl, ids["a"])["RIPTIDE_WS_ENDPOINT"]; ok {
		t.Errorf("a (no websocket trigger) got RIPTIDE_WS_ENDPOINT")
	}
	if got := functionEnv(tmpl, ids["ws"])["RIPTIDE_WS_SELF_ALIAS"]; got != LiveAlias {
		t.Errorf("ws: RIPTIDE_WS_SELF_ALIAS = %v, want %s (hand-offs follow the canary)", got, LiveAlias)
	}
	for _, typ := range []string{"AWS::Lambda::LayerVersion", "AWS::S3::Bucket"} {
		if n := len(resources(tmpl, typ)); n != 0 {
			t.Errorf("%d %s without a render function, want none", n, typ)
		}
	}
	if dig(tmpl, "Outputs", "ArtifactsBucketName") != nil {
		t.Errorf("ArtifactsBucketName output without a render function")
	}
	if dig(tmpl, "Outputs", "WebSocketUrl") == nil {
		t.Errorf("no WebSocketUrl output")
	}
}

func TestTwoWebSocketFunctionsAreRejected(t *testing.T) {
	fns, rts := smallTable()
	fns = append(fns, routes.Function{Name: "ws2", MemoryMB: 128, TimeoutSec: 3, Triggers: []string{"websocket"}})
	dir := t.TempDir()
	if err := writeAssets(dir, fns); err != nil {
		t.Fatal(err)
	}
	app := mustApp(t)
	_, err := NewRiptideStack(app, "Two", &RiptideStackProps{AssetDir: dir, Functions: fns, Routes: rts})
	if err == nil || !strings.Contains(err.Error(), "[ws ws2]") {
		t.Fatalf("error = %v, want one naming ws and ws2", err)
	}
}
