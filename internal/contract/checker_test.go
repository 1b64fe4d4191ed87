package contract

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/httpx"
)

func jsonHeader(extra ...string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"01J"}, "Api-Version": {"1"}}
	for i := 0; i+1 < len(extra); i += 2 {
		h.Set(extra[i], extra[i+1])
	}
	return h
}

// TestCheckerCatchesDepartures: the checker accepts a conforming
// exchange and names the operation of each kind of departure.
func TestCheckerCatchesDepartures(t *testing.T) {
	c := checker(t)
	chunkReq := []byte(`{"text":"# Title\n\nSome text.","mode":"markdown"}`)
	cases := []struct {
		name string
		ex   httpx.Exchange
		want string // "" when the exchange conforms
	}{
		{"unified 404", httpx.Exchange{Method: "GET", URL: "/nowhere", Status: 404, RespHeader: jsonHeader(),
			RespBody: []byte(`{"error":{"type":"not_found","message":"no route","retryable":false,"status":404}}`)}, ""},
		{"404 not in the unified shape", httpx.Exchange{Method: "GET", URL: "/nowhere", Status: 404, RespHeader: jsonHeader(),
			RespBody: []byte(`{"message":"no route"}`)}, "unrouted 404: GET /nowhere: not the unified error"},
		{"CORS preflight", httpx.Exchange{Method: "OPTIONS", URL: "/api/v1/crawl/stream", Header: http.Header{"Access-Control-Request-Method": {"POST"}, "Origin": {"http://127.0.0.1:9"}},
			Status: 204, RespHeader: http.Header{"Access-Control-Allow-Methods": {"GET, POST, DELETE, PATCH, OPTIONS"}}}, ""},
		{"CORS preflight refused", httpx.Exchange{Method: "OPTIONS", URL: "/api/v1/crawl/stream", Header: http.Header{"Access-Control-Request-Method": {"POST"}},
			Status: 404, RespHeader: jsonHeader()}, "cors-preflight 404: OPTIONS /api/v1/crawl/stream: want 204"},
		{"undeclared status", httpx.Exchange{Method: "POST", URL: "/api/v1/content/chunk", Header: jsonHeader(), Body: chunkReq,
			Status: 418, RespHeader: jsonHeader(), RespBody: []byte(`{}`)}, "crawl.chunk 418: answer: status is not supported"},
		{"answer body off the schema", httpx.Exchange{Method: "POST", URL: "/api/v1/content/chunk", Header: jsonHeader(), Body: chunkReq,
			Status: 200, RespHeader: jsonHeader(), RespBody: []byte(`{"chunks":"many"}`)}, "crawl.chunk 200: answer: response body doesn't match"},
		{"missing X-Request-ID", httpx.Exchange{Method: "GET", URL: "/api/v1/strategies/info", Status: 200,
			RespHeader: http.Header{"Content-Type": {"application/json"}, "Api-Version": {"1"}}, RespBody: []byte(`{}`)}, "X-Request-ID"},
		{"invalid request accepted", httpx.Exchange{Method: "POST", URL: "/api/v1/content/chunk", Header: jsonHeader(), Body: []byte(`{"txet":"x"}`),
			Status: 200, RespHeader: jsonHeader(), RespBody: []byte(`{}`)}, "crawl.chunk 200: the server accepted a request the document forbids"},
		{"invalid request refused", httpx.Exchange{Method: "POST", URL: "/api/v1/content/chunk", Header: jsonHeader(), Body: []byte(`{"txet":"x"}`),
			Status: 400, RespHeader: jsonHeader("X-RateLimit-Limit", "10"),
			RespBody: []byte(`{"error":{"type":"validation_error","message":"unknown field txet","retryable":false,"status":400}}`)}, ""},
		{"NDJSON line off the schema", httpx.Exchange{Method: "POST", URL: "/api/v1/crawl/stream", Header: jsonHeader(), Body: []byte(`{"urls":["http://127.0.0.1:1/"]}`),
			Status: 200, RespHeader: jsonHeader("Content-Type", "application/x-ndjson"), RespBody: []byte("{\"type\":\"bogus\"}\n")}, "crawl.stream 200: line 1"},
	}
	for _, tc := range cases {
		_, problems := c.Check(context.Background(), tc.ex)
		var got []string
		for _, p := range problems {
			got = append(got, p.String())
		}
		all := strings.Join(got, "\n")
		switch {
		case tc.want == "" && len(problems) > 0:
			t.Errorf("%s: conforming exchange flagged:\n%s", tc.name, all)
		case tc.want != "" && !strings.Contains(all, tc.want):
			t.Errorf("%s: want a problem containing %q, got:\n%s", tc.name, tc.want, all)
		}
	}
}
