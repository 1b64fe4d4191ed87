package render

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLocalRenderBasicsWithChromium(t *testing.T) {
	srv, hits := site(t)
	l := newTestLocal(t, nil)
	ctx := context.Background()
	res, err := l.Render(ctx, Request{URL: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Title != "Fixture home" || res.FinalURL != srv.URL+"/" {
		t.Fatalf("status %d title %q final %q", res.Status, res.Title, res.FinalURL)
	}
	if !strings.Contains(res.HTML, `<h1 id="h">Hello</h1>`) || !strings.HasPrefix(res.HTML, "<!DOCTYPE html>") {
		t.Fatalf("html: %.200s", res.HTML)
	}
	if hits.count("/img.png") != 1 || hits.count("/style.css") != 1 {
		t.Fatalf("subresources not loaded: %v", hits.hits)
	}
	if res.Network.Requests < 3 || res.Network.ByType["image"].Requests != 1 || res.Network.ByType["stylesheet"].Requests != 1 || res.Network.Bytes <= 0 {
		t.Fatalf("network summary: %+v", res.Network)
	}
	var log, errLine bool
	for _, m := range res.Console {
		log = log || (m.Type == "log" && m.Text == "hello from fixture 42")
		errLine = errLine || (m.Type == "error" && m.Text == "an error line")
	}
	if !log || !errLine {
		t.Fatalf("console: %+v", res.Console)
	}
	if res.Timings.TotalMS <= 0 || res.Timings.LaunchMS <= 0 {
		t.Fatalf("timings: %+v", res.Timings)
	}
	if !strings.Contains(res.BrowserVersion, "Chrom") {
		t.Fatalf("browser version %q", res.BrowserVersion)
	}
	// The browser is reused: a second render does not launch another.
	start := time.Now()
	if _, err := l.Render(ctx, Request{URL: srv.URL + "/status/404"}); err != nil {
		t.Fatal(err)
	}
	t.Logf("warm render: %v", time.Since(start))
	if st := l.Stats(); st.Launches != 1 || st.Renders != 2 {
		t.Fatalf("stats %+v", st)
	}
}
