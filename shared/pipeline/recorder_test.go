package pipeline_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
	"github.com/riptidecrawler/riptide/shared/store"
)

// pages keeps every record the pipeline hands its recorder.
type pages struct {
	mu  sync.Mutex
	got []monitor.Page
}

func (p *pages) RecordPage(pg monitor.Page) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.got = append(p.got, pg)
}

func (p *pages) take() []monitor.Page {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.got
	p.got = nil
	return out
}

// slowRenderer renders fixed HTML after a delay.
type slowRenderer struct {
	html  string
	delay time.Duration
}

func (s slowRenderer) Render(ctx context.Context, req render.Request) (*render.Result, error) {
	time.Sleep(s.delay)
	return &render.Result{URL: req.URL, FinalURL: req.URL, Status: 200, HTML: s.html}, nil
}

func ran(pg monitor.Page) []string {
	var out []string
	for _, ph := range monitor.Phases() {
		if pg.RanPhase(ph) {
			out = append(out, ph.String())
		}
	}
	return out
}

func TestEveryPageIsRecordedWithItsPhases(t *testing.T) {
	s := site(t)
	s.Set("/app", fixture.HTML(spaShell))
	st, err := store.Open(store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec := &pages{}
	p := newPipeline(t, store.NewCache(st))
	p.Recorder = rec
	p.Browser = slowRenderer{html: fixture.Article("Rendered", fixture.Prose), delay: 30 * time.Millisecond}
	ctx := context.Background()

	p.Crawl(ctx, s.URL("/article"), opts(pipeline.Options{}))
	p.Crawl(ctx, s.URL("/article"), opts(pipeline.Options{}))
	p.Crawl(ctx, s.URL("/gone"), opts(pipeline.Options{}))
	p.Crawl(ctx, s.URL("/app"), opts(pipeline.Options{CacheMode: pipeline.CacheBypass}))
	p.Crawl(ctx, "ftp://nope", opts(pipeline.Options{}))
	got := rec.take()
	if len(got) != 5 {
		t.Fatalf("%d records for 5 pages", len(got))
	}
	first, hit, gone, app, invalid := got[0], got[1], got[2], got[3], got[4]
	if !first.OK() || first.Mode != monitor.ModeStatic || first.Cache != monitor.CacheMiss || first.GateDecision != "raw" ||
		!equal(ran(first), "fetch", "gate", "extract", "store") || !first.HasDocument || first.Words == 0 {
		t.Errorf("first crawl: %+v ran %v", first, ran(first))
	}
	if first.Durations[monitor.PhaseFetch] <= 0 || first.Total < first.Durations[monitor.PhaseFetch]+first.Durations[monitor.PhaseExtract] {
		t.Errorf("first crawl timings: total %v, phases %v", first.Total, first.Durations)
	}
	if hit.Cache != monitor.CacheHit || hit.GateDecision != monitor.GateCached || len(ran(hit)) != 0 || !hit.OK() {
		t.Errorf("cache hit: %+v", hit)
	}
	if gone.ErrorType != "fetch_error" || gone.FailedPhase != monitor.PhaseFetch || gone.HasDocument {
		t.Errorf("410: %+v", gone)
	}
	if app.Mode != monitor.ModeHeadless || app.Cache != monitor.CacheNone || !equal(ran(app), "fetch", "gate", "render", "extract") ||
		app.Durations[monitor.PhaseRender] < 30*time.Millisecond {
		t.Errorf("rendered page: %+v ran %v", app, ran(app))
	}
	if invalid.ErrorType != "invalid_url" || invalid.FailedPhase != monitor.PhaseNone {
		t.Errorf("invalid URL: %+v", invalid)
	}

	// A render job is one page: its fetch, the browser's render, the
	// extraction.
	job := pipeline.RenderJob{Mode: pipeline.ModeDynamic, Browser: render.Request{URL: s.URL("/article")}, Options: opts(pipeline.Options{})}
	if _, err := p.Render(ctx, job); err != nil {
		t.Fatal(err)
	}
	got = rec.take()
	if len(got) != 1 || got[0].Mode != monitor.ModeHeadless || !equal(ran(got[0]), "fetch", "gate", "render", "extract") {
		t.Fatalf("render job records: %+v", got)
	}
	job.Mode = pipeline.ModeStatic
	if _, err := p.Render(ctx, job); err != nil {
		t.Fatal(err)
	}
	if got = rec.take(); len(got) != 1 || got[0].Mode != monitor.ModeStatic || got[0].RanPhase(monitor.PhaseRender) {
		t.Fatalf("static render job records: %+v", got)
	}
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
