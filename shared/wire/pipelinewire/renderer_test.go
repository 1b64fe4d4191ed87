package pipelinewire_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/pipelinewire"
)

// With RIPTIDE_RENDER_FUNCTION set, the process renders by invoking that
// function: signed with the process's AWS credentials, sent where the SDK's
// endpoint settings say (here AWS_ENDPOINT_URL_LAMBDA), the alias kept in
// the escaped function name.
func TestRendererInvokesTheRenderFunction(t *testing.T) {
	var (
		mu   sync.Mutex
		path string
		auth string
	)
	lambdaAPI := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req render.Request
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		path, auth = r.URL.EscapedPath(), r.Header.Get("Authorization")
		mu.Unlock()
		if err := json.Unmarshal(body, &req); err != nil || r.Header.Get("X-Amz-Invocation-Type") != "RequestResponse" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(render.Result{URL: req.URL, Status: 200, Title: "rendered remotely"})
	}))
	defer lambdaAPI.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDPIPELINE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ENDPOINT_URL_LAMBDA", lambdaAPI.URL)
	env := map[string]string{"RIPTIDE_RENDER_FUNCTION": "riptide-render:live", "RIPTIDE_LOG_LEVEL": "error"}
	ctx := context.Background()
	p, err := wire.New(ctx, "crawl", func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	r := pipelinewire.Renderer(ctx, p)
	if r == nil {
		t.Fatal("no renderer")
	}
	res, err := r.Render(ctx, render.Request{URL: "https://fixture.test/"})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if res.Title != "rendered remotely" || path != "/2015-03-31/functions/riptide-render%3Alive/invocations" ||
		!strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDPIPELINE/") || !strings.Contains(auth, "/eu-west-1/lambda/aws4_request") {
		t.Fatalf("result %+v; path %s; auth %q", res, path, auth)
	}
}
