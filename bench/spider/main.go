// Command spider-bench compares RipTide's spider (local orchestrator, the
// same step handlers and Redis state as Step Functions) with Colly v2 on a
// generated site served on 127.0.0.1, in the same run.
//
// It is its own Go module so Colly never enters RipTide's go.mod. Every
// crawler runs in a child process of its own, so CPU seconds and peak RSS
// (getrusage of the child) are that crawler's alone; the site is served by
// another child.
//
//	go run . -pages 5000 -runs 3            (make bench-spider)
//
// Variants:
//
//	colly           Colly v2, async, goquery OnHTML("a[href]"), links canonicalised
//	                with RipTide's urlnorm before Visit (so both crawl the same URLs)
//	riptide         spider + stand-in page crawler: fetch + tokenizer link pass,
//	                no extraction; embedded Redis (miniredis, the `riptide serve` default)
//	riptide+parse   one full HTML parse of every page (x/net/html tree, a walk for
//	                text and links): a stand-in for extraction, NOT the real extractor
//	riptide+extract the real page pipeline (spiderapi.PipelineCrawler): one fetch,
//	                challenge check, gate, full extraction (text, markdown,
//	                metadata, links), exactly what a spider run does in production
//	*/redis         the same on a real redis-server (its CPU is added; its memory is not),
//	                with large result records in a blob folder (a temporary directory
//	                standing in for the S3 bucket of a deployment; -records redis keeps
//	                them in Redis, as a deployment without a bucket does)
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gocolly/colly/v2"

	"github.com/riptidecrawler/riptide/internal/spidertest"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/spider"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
	"github.com/riptidecrawler/riptide/shared/wire/spiderrunswire"
	"github.com/riptidecrawler/riptide/shared/wire/spiderwire"
)

// Extract is what the riptide+parse variant runs on every page. Point it at
// the real extractor (shared/extract) when it lands to measure "with our
// extraction"; until then it is htmlParse, a full parse and text walk.
var Extract spidertest.ExtractFunc = htmlParse

func main() {
	role := flag.String("role", "parent", "internal: parent, serve or crawl")
	pages := flag.Int("pages", 5000, "pages of the generated site")
	runs := flag.Int("runs", 3, "runs of each variant (the median is reported)")
	conc := flag.Int("concurrency", 16, "requests in flight, both crawlers")
	variants := flag.String("variants", "colly,riptide,riptide+extract,riptide/redis,riptide+extract/redis", "comma-separated variants")
	crawler := flag.String("crawler", "", "internal: the variant a crawl child runs")
	base := flag.String("base", "", "internal: site URL for a crawl child")
	redisURL := flag.String("redis-url", "", "internal: Redis of a crawl child")
	records := flag.String("records", "blob", "where the /redis variants keep large result records: blob (a temporary folder standing in for S3) or redis")
	blobDir := flag.String("blob-dir", "", "internal: blob folder of a crawl child")
	blobRootFlag := flag.String("blob-root", "", "where the /redis variants' blob folders are made: default /dev/shm when writable (memory, like S3 outside the process), else the temp dir")
	cpuProfile := flag.String("cpuprofile", "", "internal: write a crawl child's CPU profile here")
	memProfile := flag.String("memprofile", "", "internal: write a crawl child's allocation profile here at its end")
	flag.Parse()
	if *memProfile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			if f, err := os.Create(*memProfile); err == nil {
				_ = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
		}()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			_ = pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	var err error
	switch *role {
	case "serve":
		err = serveSite(*pages)
	case "crawl":
		err = crawlChild(*crawler, *base, *redisURL, *blobDir, *pages, *conc)
	default:
		if *records != "blob" && *records != "redis" {
			err = fmt.Errorf("-records %q: want blob or redis", *records)
			break
		}
		err = parent(*pages, *runs, *conc, strings.Split(*variants, ","), *records == "blob", blobRootDir(*blobRootFlag))
	}
	if err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "spider-bench:", err)
		os.Exit(1)
	}
}

// serveSite generates the site and serves it on 127.0.0.1, printing its
// address once it listens.
func serveSite(pages int) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	site := spidertest.NewSite(spidertest.SiteConfig{
		Pages: pages, MinBytes: 20_000, MaxBytes: 80_000, MinLinks: 10, MaxLinks: 40,
		DupParamEvery: 10, Sitemap: true, Seed: 42,
		Robots: "User-agent: *\nDisallow: /private/\nSitemap: http://" + addr + "/sitemap.xml\n",
	})
	fmt.Println("ADDR", addr)
	srv := &http.Server{Handler: site, ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// result is what a crawl child reports.
type result struct {
	Variant string  `json:"variant"`
	Pages   int64   `json:"pages"` // HTML responses fetched
	Stored  int64   `json:"stored"`
	WallMS  float64 `json:"wall_ms"`
	CPUSec  float64 `json:"cpu_s"`
	RSSMB   float64 `json:"rss_mb"`
}

func crawlChild(variant, base, redisURL, blobDir string, pages, conc int) error {
	var r result
	var err error
	switch variant {
	case "colly":
		r, err = crawlColly(base, conc)
	case "riptide", "riptide/redis":
		r, err = crawlRiptide(base, redisURL, blobDir, pages, conc, nil, false)
	case "riptide+parse", "riptide+parse/redis":
		r, err = crawlRiptide(base, redisURL, blobDir, pages, conc, Extract, false)
	case "riptide+extract", "riptide+extract/redis":
		r, err = crawlRiptide(base, redisURL, blobDir, pages, conc, nil, true)
	default:
		return fmt.Errorf("unknown variant %q", variant)
	}
	if err != nil {
		return err
	}
	r.Variant = variant
	return json.NewEncoder(os.Stdout).Encode(r)
}

func crawlColly(base string, conc int) (result, error) {
	norm := urlnorm.DefaultOptions()
	c := colly.NewCollector(colly.Async(true), colly.AllowedDomains("127.0.0.1"), colly.UserAgent(fetch.DefaultUserAgent))
	c.IgnoreRobotsTxt = false
	if err := c.Limit(&colly.LimitRule{DomainGlob: "*", Parallelism: conc}); err != nil {
		return result{}, err
	}
	var pages atomic.Int64
	c.OnResponse(func(r *colly.Response) {
		if strings.HasPrefix(r.Headers.Get("Content-Type"), "text/html") {
			pages.Add(1)
		}
	})
	c.OnHTML("a[href]", func(e *colly.HTMLElement) {
		if u, err := norm.Normalize(e.Request.AbsoluteURL(e.Attr("href"))); err == nil {
			_ = e.Request.Visit(u)
		}
	})
	start := time.Now()
	if err := c.Visit(base + "/"); err != nil {
		return result{}, err
	}
	c.Wait()
	return result{Pages: pages.Load(), Stored: pages.Load(), WallMS: ms(time.Since(start))}, nil
}

func crawlRiptide(base, redisURL, blobDir string, pages, conc int, extract spidertest.ExtractFunc, pipelined bool) (result, error) {
	ctx := context.Background()
	st, err := store.Open(store.Options{URL: redisURL, Prefix: "bench" + spider.NewID()[:8] + ":"})
	if err != nil {
		return result{}, err
	}
	defer st.Close()
	f, err := fetch.New(fetch.Options{
		AllowCIDRs: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Politeness: fetch.Politeness{PerHostConcurrency: conc},
		Retry:      fetch.RetryPolicy{MaxAttempts: 1},
	})
	if err != nil {
		return result{}, err
	}
	defer f.Close()
	var crawler spider.PageCrawler = &spidertest.StandInCrawler{Fetcher: f, Extract: extract}
	if pipelined {
		crawler = spiderwire.PipelineCrawler{Pipeline: &pipeline.Pipeline{Fetcher: f, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	}
	var records blob.Store
	if blobDir != "" {
		d, err := blob.NewDir(blobDir)
		if err != nil {
			return result{}, err
		}
		records = blob.WithPrefix(d, spiderrunswire.RecordsPrefix)
	}
	e, err := spider.New(spider.Deps{Runs: spiderrunswire.For(st, records), Crawler: crawler, Site: f,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return result{}, err
	}
	l := spider.NewLocalLauncher(e)
	defer l.Close()
	svc := &spider.Service{Engine: e, Launcher: l}
	depth := 100
	start := time.Now()
	id, err := svc.Start(ctx, "bench", []string{base + "/"}, spider.Options{
		// Above the site's size, so the run ends with the frontier empty
		// having fetched what Colly fetches (the ?sid= duplicates too).
		MaxPages: min(2*pages, spider.MaxMaxPages), MaxDepth: &depth, Concurrency: conc, PerHostConcurrency: conc,
		Sitemap: spider.SitemapInclude, MaxDurationMS: 3_600_000,
	})
	if err != nil {
		return result{}, err
	}
	for {
		s, err := e.Status(ctx, id)
		if err != nil {
			return result{}, err
		}
		if spider.Terminal(s.State) {
			wall := time.Since(start)
			if s.PagesFailed > 0 {
				return result{}, fmt.Errorf("%d pages failed: %+v", s.PagesFailed, s.LastError)
			}
			fetched := s.PagesCrawled + s.Skipped[spider.SkipDuplicateContent]
			return result{Pages: fetched, Stored: s.PagesCrawled, WallMS: ms(wall)}, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// blobRootDir is where the blob folders standing in for S3 are made: the
// flag's folder, else /dev/shm when it is a writable folder, else the temp
// dir. A folder in memory is the closer stand-in: S3 writes leave the
// process like file writes do, but no disk file system is involved. On a
// disk one can be: on this team's VMs the root is ext4 without a journal,
// where creating a file scans past every inode deleted in the last minutes
// (ext4's recently_deleted check); each run deletes its ~1,300 objects, so
// the next paid about a second of kernel CPU for it (perf: 8% of the
// crawl's CPU in find_inode_bit/recently_deleted).
func blobRootDir(flagged string) string {
	if flagged != "" {
		return flagged
	}
	if d, err := os.MkdirTemp("/dev/shm", "probe-"); err == nil {
		_ = os.Remove(d)
		return "/dev/shm"
	}
	return os.TempDir()
}

func parent(pages, runs, conc int, variants []string, blobRecords bool, blobRoot string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	site := exec.Command(self, "-role", "serve", "-pages", strconv.Itoa(pages))
	site.Stderr = os.Stderr
	out, err := site.StdoutPipe()
	if err != nil {
		return err
	}
	if err := site.Start(); err != nil {
		return err
	}
	defer func() { _ = site.Process.Kill(); _ = site.Wait() }()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		return fmt.Errorf("site: %v", err)
	}
	base := "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))

	var redis *exec.Cmd
	redisURL := ""
	onRedis := func(v string) bool { return strings.HasSuffix(v, "/redis") }
	if slices.ContainsFunc(variants, onRedis) {
		if bin, err := exec.LookPath("redis-server"); err == nil {
			port := freePort()
			redis = exec.Command(bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no")
			if err := redis.Start(); err != nil {
				return err
			}
			defer func() { _ = redis.Process.Kill(); _ = redis.Wait() }()
			redisURL = fmt.Sprintf("redis://127.0.0.1:%d/0", port)
			waitPort(fmt.Sprintf("127.0.0.1:%d", port))
		} else {
			fmt.Fprintln(os.Stderr, "redis-server not found: skipping the /redis variants")
			variants = slices.DeleteFunc(variants, onRedis)
		}
	}

	fmt.Fprintf(os.Stderr, "site: %d pages at %s; %d runs of %v, concurrency %d\n", pages, base, runs, variants, conc)
	if blobRecords && slices.ContainsFunc(variants, onRedis) {
		fmt.Fprintf(os.Stderr, "blob folders (standing in for S3) in %s\n", blobRoot)
	}
	all := map[string][]result{}
	for run := range runs {
		order := slices.Clone(variants)
		if run%2 == 1 {
			slices.Reverse(order) // alternate, so neither side always runs on a warmer machine
		}
		for _, v := range order {
			args := []string{"-role", "crawl", "-crawler", v, "-base", base, "-pages", strconv.Itoa(pages), "-concurrency", strconv.Itoa(conc)}
			var blobDir string
			if onRedis(v) {
				args = append(args, "-redis-url", redisURL)
				if blobRecords {
					if blobDir, err = os.MkdirTemp(blobRoot, "spider-bench-blob-"); err != nil {
						return err
					}
					args = append(args, "-blob-dir", blobDir)
				}
			}
			redisBefore := procCPU(redis)
			cmd := exec.Command(self, args...)
			cmd.Stderr = os.Stderr
			b, err := cmd.Output()
			if blobDir != "" {
				_ = os.RemoveAll(blobDir)
			}
			if err != nil {
				return fmt.Errorf("%s: %v", v, err)
			}
			var r result
			if err := json.Unmarshal(b, &r); err != nil {
				return fmt.Errorf("%s: %v: %s", v, err, b)
			}
			ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
			r.CPUSec = tv(ru.Utime) + tv(ru.Stime)
			r.RSSMB = float64(ru.Maxrss) / 1024
			if onRedis(v) {
				r.CPUSec += procCPU(redis) - redisBefore
			}
			fmt.Fprintf(os.Stderr, "run %d %-14s %5d pages %8.0f ms %7.1f pages/s cpu %.2fs rss %.0f MB\n",
				run+1, v, r.Pages, r.WallMS, float64(r.Pages)/(r.WallMS/1000), r.CPUSec, r.RSSMB)
			all[v] = append(all[v], r)
		}
	}
	fmt.Print(table(all, variants, pages, runs, conc))
	if redisURL != "" {
		printRedisCost(redisURL)
	}
	return nil
}

// printRedisCost prints what the /redis variants cost redis-server over
// all runs: bytes received and sent, and the commands that took the most
// time (INFO commandstats).
func printRedisCost(url string) {
	st, err := store.Open(store.Options{URL: url})
	if err != nil {
		return
	}
	defer st.Close()
	ctx := context.Background()
	var b strings.Builder
	for _, section := range []string{"stats", "cpu", "commandstats"} {
		info, err := st.Client.Info(ctx, section).Result()
		if err != nil {
			return
		}
		for _, line := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(line, "total_net_") || strings.HasPrefix(line, "used_cpu_sys:") || strings.HasPrefix(line, "used_cpu_user:") ||
				strings.HasPrefix(line, "cmdstat_") {
				b.WriteString(line + "\n")
			}
		}
	}
	fmt.Fprintf(os.Stderr, "\nredis-server, all /redis runs together:\n%s", b.String())
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

// procCPU returns a process's CPU seconds so far (Linux /proc), 0 if unknown.
func procCPU(cmd *exec.Cmd) float64 {
	if cmd == nil || cmd.Process == nil {
		return 0
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "stat"))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

func median(rs []result, f func(result) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	return v[len(v)/2]
}

func table(all map[string][]result, variants []string, pages, runs, conc int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d-page site, concurrency %d, median of %d runs (%s, %s)\n\n", pages, conc, runs, time.Now().UTC().Format("2006-01-02"), hostCPUs())
	b.WriteString("| variant | pages fetched | stored | wall s | pages/s | vs colly | CPU s | CPU ms/page | peak RSS MB |\n|---|---|---|---|---|---|---|---|---|\n")
	pps := func(r result) float64 { return float64(r.Pages) / (r.WallMS / 1000) }
	var collyPPS float64
	if rs := all["colly"]; len(rs) > 0 {
		collyPPS = median(rs, pps)
	}
	for _, v := range variants {
		rs := all[v]
		if len(rs) == 0 {
			continue
		}
		p := median(rs, pps)
		ratio := "-"
		if collyPPS > 0 {
			ratio = fmt.Sprintf("%.2fx", p/collyPPS)
		}
		cpu := median(rs, func(r result) float64 { return r.CPUSec })
		fetched := median(rs, func(r result) float64 { return float64(r.Pages) })
		fmt.Fprintf(&b, "| %s | %.0f | %.0f | %.2f | %.0f | %s | %.2f | %.2f | %.0f |\n", v, fetched,
			median(rs, func(r result) float64 { return float64(r.Stored) }),
			median(rs, func(r result) float64 { return r.WallMS / 1000 }), p, ratio, cpu, cpu*1000/fetched,
			median(rs, func(r result) float64 { return r.RSSMB }))
	}
	return b.String()
}

func hostCPUs() string { return fmt.Sprintf("%d CPUs", numCPU()) }

func freePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitPort(addr string) {
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
