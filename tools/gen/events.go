package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// sampleKey is the API key the sample events carry; the SAM template's
// ApiKeys parameter defaults to it so `sam local invoke -e` works as is.
const sampleKey = "local-dev-key"

// sampleParams fill path parameters in sample events.
var sampleParams = strings.NewReplacer("{id}", "example-id", "{component}", "redis", "{domain}", "example.com", "{name}", "session_id")

// generatedEvents returns the sample events per file path (relative to the
// repository root): for each function serving HTTP routes, its first route
// as an API Gateway REST (v1) event and as an HTTP API (v2) event.
func generatedEvents() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, f := range routes.Functions() {
		if slices.Contains(f.Triggers, "websocket") {
			for name, ev := range websocketEvents() {
				b, err := json.MarshalIndent(ev, "", "  ")
				if err != nil {
					return nil, err
				}
				out[filepath.Join("events", f.Name, name)] = append(b, '\n')
			}
		}
		for name, ev := range taskEvents()[f.Name] {
			b, err := json.MarshalIndent(ev, "", "  ")
			if err != nil {
				return nil, err
			}
			out[filepath.Join("events", f.Name, name)] = append(b, '\n')
		}
		var primary *routes.Route
		for _, r := range routes.Group(f.Name) {
			if !r.WebSocket {
				primary = &r
				break
			}
		}
		if primary == nil {
			continue
		}
		path := sampleParams.Replace(primary.Path)
		body := ""
		if primary.Body != routes.NoBody {
			body = primary.Example
			if body == "" {
				body = "{}"
			}
		}
		v1, err := json.MarshalIndent(restEvent(*primary, path, body), "", "  ")
		if err != nil {
			return nil, err
		}
		v2, err := json.MarshalIndent(httpAPIEvent(*primary, path, body), "", "  ")
		if err != nil {
			return nil, err
		}
		dir := filepath.Join("events", f.Name)
		out[filepath.Join(dir, "apigw-rest.json")] = append(v1, '\n')
		out[filepath.Join(dir, "apigw-http.json")] = append(v2, '\n')
	}
	return out, nil
}

func sampleHeaders(body string) map[string]string {
	h := map[string]string{"Accept": "application/json", "X-API-Key": sampleKey, "User-Agent": "curl/8.5.0"}
	if body != "" {
		h["Content-Type"] = "application/json"
	}
	return h
}

func restEvent(r routes.Route, path, body string) events.APIGatewayProxyRequest {
	h := sampleHeaders(body)
	mv := map[string][]string{}
	for k, v := range h {
		mv[k] = []string{v}
	}
	return events.APIGatewayProxyRequest{
		Resource:          r.Path,
		Path:              path,
		HTTPMethod:        r.Method,
		Headers:           h,
		MultiValueHeaders: mv,
		Body:              body,
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID:    "123456789012",
			ResourcePath: r.Path,
			Stage:        "prod",
			RequestID:    "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
			Identity:     events.APIGatewayRequestIdentity{SourceIP: "203.0.113.10", UserAgent: "curl/8.5.0"},
			HTTPMethod:   r.Method,
			APIID:        "abcdef1234",
			DomainName:   "abcdef1234.execute-api.eu-west-1.amazonaws.com",
			Path:         "/prod" + path,
		},
	}
}

func httpAPIEvent(r routes.Route, path, body string) events.APIGatewayV2HTTPRequest {
	ev := events.APIGatewayV2HTTPRequest{
		Version:  "2.0",
		RouteKey: r.Method + " " + r.Path,
		RawPath:  path,
		Headers:  sampleHeaders(body),
		Body:     body,
	}
	rc := &ev.RequestContext
	rc.AccountID = "123456789012"
	rc.APIID = "abcdef1234"
	rc.DomainName = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
	rc.DomainPrefix = "abcdef1234"
	rc.RequestID = "JKJaXmPLvHcESHA="
	rc.RouteKey = ev.RouteKey
	rc.Stage = "$default"
	rc.HTTP.Method = r.Method
	rc.HTTP.Path = path
	rc.HTTP.Protocol = "HTTP/1.1"
	rc.HTTP.SourceIP = "203.0.113.10"
	rc.HTTP.UserAgent = "curl/8.5.0"
	return ev
}

// writeEvents writes the generated events under root.
func writeEvents(root string) error {
	evs, err := generatedEvents()
	if err != nil {
		return err
	}
	for p, b := range evs {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, b, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", p, err)
		}
	}
	return nil
}

// taskEvents are the task events a function runs besides its routes, by
// function: what EventBridge Scheduler and CloudFormation send
// (infra/cdk/backups.go, infra/cdk/alertschedule.go).
func taskEvents() map[string]map[string]any {
	migration := func(requestType string) map[string]any {
		ev := map[string]any{
			"RequestType":        requestType,
			"ServiceToken":       "arn:aws:lambda:eu-west-1:111122223333:function:riptide-workers",
			"ResponseURL":        "http://127.0.0.1:9/cloudformation-custom-resource-response",
			"StackId":            "arn:aws:cloudformation:eu-west-1:111122223333:stack/riptide/00000000-0000-0000-0000-000000000000",
			"RequestId":          "00000000-0000-0000-0000-000000000001",
			"LogicalResourceId":  "OpsMigration",
			"ResourceType":       "Custom::RiptideMigration",
			"ResourceProperties": map[string]any{"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:riptide-workers", "riptide_task": "migrate", "Version": "2"},
		}
		if requestType != "Create" {
			ev["PhysicalResourceId"] = "riptide-schema:riptide:"
			ev["OldResourceProperties"] = map[string]any{"ServiceToken": "arn:aws:lambda:eu-west-1:111122223333:function:riptide-workers", "riptide_task": "migrate", "Version": "1"}
		}
		return ev
	}
	return map[string]map[string]any{
		"workers": {
			"task-backup.json":        map[string]any{"riptide_task": "backup"},
			"cfn-migrate-create.json": migration("Create"),
			"cfn-migrate-update.json": migration("Update"),
		},
		"monitoring": {"task-evaluate-alerts.json": map[string]any{"riptide_task": "evaluate_alerts"}},
		// API Gateway's REQUEST authorizer event for a crawl with the
		// sample key (the shape the function's tests send). The function
		// needs RIPTIDE_GATEWAY_STACK and an API Gateway control plane,
		// which SAM local does not emulate.
		"authorizer": {"request.json": events.APIGatewayCustomAuthorizerRequestTypeRequest{
			Type:       "REQUEST",
			MethodArn:  "arn:aws:execute-api:eu-west-1:111122223333:abcdef1234/prod/POST/api/v1/crawl",
			Resource:   "/api/v1/crawl",
			Path:       "/api/v1/crawl",
			HTTPMethod: "POST",
			Headers:    map[string]string{"X-API-Key": sampleKey, "Content-Type": "application/json"},
			RequestContext: events.APIGatewayCustomAuthorizerRequestTypeRequestContext{
				Path: "/prod/api/v1/crawl", AccountID: "111122223333", ResourceID: "abc123", Stage: "prod", RequestID: "00000000-0000-0000-0000-0000000000aa",
				ResourcePath: "/api/v1/crawl", HTTPMethod: "POST", APIID: "abcdef1234",
			},
		}},
	}
}

// websocketEvents are API Gateway WebSocket API events: a browser's
// $connect with a token, a ping, a crawl, and $disconnect.
func websocketEvents() map[string]events.APIGatewayWebsocketProxyRequest {
	ev := func(eventType, routeKey, body string) events.APIGatewayWebsocketProxyRequest {
		e := events.APIGatewayWebsocketProxyRequest{Body: body}
		rc := &e.RequestContext
		rc.EventType, rc.RouteKey = eventType, routeKey
		rc.ConnectionID = "L0SM9cOFvHcCIhw="
		rc.DomainName = "abcdef1234.execute-api.eu-west-1.amazonaws.com"
		rc.Stage = "prod"
		rc.APIID = "abcdef1234"
		rc.RequestID = "L0SM9FtpDoECEnA="
		return e
	}
	connect := ev("CONNECT", "$connect", "")
	connect.Headers = map[string]string{"Sec-WebSocket-Protocol": "riptide.crawl.v1", "X-API-Key": sampleKey}
	connect.MultiValueHeaders = map[string][]string{"Sec-WebSocket-Protocol": {"riptide.crawl.v1"}, "X-API-Key": {sampleKey}}
	return map[string]events.APIGatewayWebsocketProxyRequest{
		"ws-connect.json":    connect,
		"ws-ping.json":       ev("MESSAGE", "$default", `{"type":"ping"}`),
		"ws-crawl.json":      ev("MESSAGE", "$default", `{"type":"crawl","data":{"urls":["http://127.0.0.1:8000/"]}}`),
		"ws-disconnect.json": ev("DISCONNECT", "$disconnect", ""),
	}
}
