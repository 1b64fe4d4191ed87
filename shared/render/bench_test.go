package render

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// BenchmarkRenderWarm renders a local fixture page on a warm browser and
// reports the latency percentiles, next to a plain net/http GET of the same
// page measured in the same loop (the peer: what the raw fetch path costs).
//
//	go test ./shared/render/ -run '^$' -bench BenchmarkRenderWarm -benchtime 100x -benchmem
func BenchmarkRenderWarm(b *testing.B) {
	srv, _ := site(b)
	high := &stealth.Options{Preset: stealth.PresetHigh}
	// plain_egress is plain as production runs it: the fetcher's guard on
	// interception and every connection through its egress proxy.
	f, err := fetch.New(fetch.Options{AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	egress := func(o *LocalOptions) {
		o.Guard = GuardFunc(func(ctx context.Context, u *url.URL) error { _, err := f.CheckURL(ctx, u.String()); return err })
		o.Egress = &egressRoutes{f: f}
	}
	cases := []struct {
		name string
		req  Request
		mod  func(*LocalOptions)
	}{
		{"plain", Request{URL: srv.URL + "/"}, nil},
		{"plain_egress", Request{URL: srv.URL + "/"}, egress},
		{"stealth_high", Request{URL: srv.URL + "/", Stealth: high}, nil},
		{"dom_content_loaded", Request{URL: srv.URL + "/", Wait: []WaitCondition{{Type: WaitDOMContentLoaded}}}, nil},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			watch := newProcWatch(dir)
			l := newTestLocal(b, func(o *LocalOptions) {
				o.TempDir = dir
				if c.mod != nil {
					c.mod(o)
				}
			})
			ctx := context.Background()
			for range 3 { // start the browser and its spare tab
				if _, err := l.Render(ctx, c.req); err != nil {
					b.Fatal(err)
				}
			}
			var render, fetch []time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t := time.Now()
				if _, err := l.Render(ctx, c.req); err != nil {
					b.Fatal(err)
				}
				render = append(render, time.Since(t))
				b.StopTimer()
				t = time.Now()
				resp, err := http.Get(srv.URL + "/")
				if err != nil {
					b.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				fetch = append(fetch, time.Since(t))
				b.StartTimer()
			}
			b.StopTimer()
			p50, p95 := percentile(render, 50), percentile(render, 95)
			f50 := percentile(fetch, 50)
			b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p95.Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(f50.Microseconds())/1000, "fetch-p50-ms")
			b.ReportMetric(float64(p50)/float64(max(f50, time.Microsecond)), "render/fetch")
			_, pss := watch.scan()
			b.ReportMetric(float64(pss)/1024, "chromium-PSS-MB")
		})
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}
