package firecrawlapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/testenv"
	firecrawlapi "github.com/riptidecrawler/riptide/shared/api/firecrawl"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// A page whose text arrives from a script after a pause: waitFor must
// render it in Chromium and wait, and screenshot must come back as a PNG.
func TestScrapeWaitForAndScreenshotInChromium(t *testing.T) {
	path, err := render.FindChromium()
	if err != nil {
		testenv.Missing(t, "chromium", "apt-get install chromium-headless-shell (or chromium)")
	}
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	if err != nil {
		t.Fatal(err)
	}
	browser, err := render.NewLocal(render.LocalOptions{ExecPath: path, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Guard: render.GuardFunc(func(ctx context.Context, u *url.URL) error { _, err := f.CheckURL(ctx, u.String()); return err })})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { browser.Close() })
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, `<!doctype html><html><head><title>Late news</title></head><body><main id="root"><h1>Late news</h1></main>
<script>setTimeout(function(){var p=document.createElement('p');p.textContent='The evening ferry was cancelled because of the storm over the bay, and the morning one will leave an hour late.';document.getElementById('root').appendChild(p);}, 400);</script></body></html>`)
	}))
	defer site.Close()
	pl := &pipeline.Pipeline{Fetcher: f, Browser: browser}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		routes.Group("firecrawl"), firecrawlapi.Handlers(firecrawlapi.Deps{Pipeline: pl, Spider: firecrawlapi.SpiderService{}, CanRender: true}))
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(h)
	defer api.Close()

	resp, b := do(t, "POST", api.URL+"/v1/scrape", `{"url":"`+site.URL+`/","formats":["markdown","screenshot"],"waitFor":1500,"timeout":30000}`, "")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	d := decode[firecrawlapi.ScrapeResponse](t, b).Data
	if d.Markdown == nil || !strings.Contains(*d.Markdown, "evening ferry was cancelled") {
		t.Fatalf("waitFor did not wait for the script's text: %v", d.Markdown)
	}
	b64, ok := strings.CutPrefix(d.Screenshot, "data:image/png;base64,")
	png, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("screenshot is not a PNG data URL: %.60s", d.Screenshot)
	}
}
