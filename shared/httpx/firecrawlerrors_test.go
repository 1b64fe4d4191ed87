package httpx_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// A route declared with Firecrawl's error shape answers every error in it,
// with the statuses Firecrawl's SDKs explain; RipTide's routes keep theirs.
func TestFirecrawlErrorShape(t *testing.T) {
	var failWith error
	table := []routes.Route{
		{Op: "fc.op", Group: "firecrawl", Method: "POST", Path: "/v1/op", Body: routes.JSONBody, Status: routes.Ready, ErrorShape: routes.FirecrawlErrors},
		{Op: "rt.op", Group: "crawl", Method: "POST", Path: "/api/v1/op", Body: routes.JSONBody, Status: routes.Ready},
	}
	fail := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { httpx.WriteError(w, r, failWith) })
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		table, map[string]http.Handler{"fc.op": fail, "rt.op": fail})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, c := range []struct {
		typ    core.ErrorType
		status int
	}{
		{core.ErrValidation, 400}, {core.ErrNotFound, 404}, {core.ErrConflict, 409}, {core.ErrRobotsDisallowed, 403},
		{core.ErrTimeout, 408}, {core.ErrFetch, 500}, {core.ErrDependency, 500}, {core.ErrExtraction, 500}, {core.ErrNotImplemented, 500},
	} {
		failWith = core.Errorf(c.typ, "it went wrong: %s", c.typ)
		resp, err := http.Post(srv.URL+"/v1/op", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		var body httpx.FirecrawlError
		json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != c.status || body.Success || body.Error != "it went wrong: "+string(c.typ) || body.Code != string(c.typ) || body.RequestID == "" {
			t.Errorf("%s: %d %+v", c.typ, resp.StatusCode, body)
		}
		resp, _ = http.Post(srv.URL+"/api/v1/op", "application/json", nil)
		var rt httpx.ErrorBody
		json.NewDecoder(resp.Body).Decode(&rt)
		resp.Body.Close()
		if resp.StatusCode != httpx.StatusOf(c.typ) || rt.Error.Type != c.typ {
			t.Errorf("riptide route %s: %d %+v", c.typ, resp.StatusCode, rt)
		}
	}
	// Middleware errors (here: a wrong content type) take the route's shape too.
	resp, err := http.Post(srv.URL+"/v1/op", "text/plain", strings.NewReader("plain text"))
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	if resp.StatusCode != 415 || body["success"] != false || body["code"] != "unsupported_media_type" {
		t.Errorf("middleware error: %d %v", resp.StatusCode, body)
	}
}
