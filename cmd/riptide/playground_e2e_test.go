package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/testenv"
)

// TestPlaygroundBrowser drives the web playground in Debian's Chromium
// (playwright-core, web/playground/e2e, installed by `make
// playground-tools`) against `riptide serve` and a loopback site: a crawl
// shows the page's markdown, NDJSON and SSE streams run to their summary,
// a spider run's pages arrive, a render shows markdown beside its
// screenshot, a submitted job is listed, health and the API reference
// load, all without a CSP violation or the key in a URL. With
// RIPTIDE_PLAYGROUND_SHOTS=DIR it saves a screenshot of each view there
// (`make playground-shots` refreshes docs/img).
func TestPlaygroundBrowser(t *testing.T) {
	node := testenv.LookPath(t, "node", "install Node.js 20 or later")
	browser := os.Getenv("RIPTIDE_PLAYWRIGHT_CHROMIUM")
	if browser == "" {
		browser = testenv.LookPath(t, "chromium", "apt-get install -y chromium (playwright-core drives Debian's Chromium), or set RIPTIDE_PLAYWRIGHT_CHROMIUM")
	}
	dir, err := filepath.Abs("../../web/playground")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules/playwright-core/package.json")); err != nil {
		testenv.Missing(t, "playwright-core", "run `make playground-tools` (npm ci in web/playground)")
	}
	shots := os.Getenv("RIPTIDE_PLAYGROUND_SHOTS")
	if shots != "" {
		if shots, err = filepath.Abs(shots); err != nil {
			t.Fatal(err)
		}
	}
	page := func(title, body string, links ...string) fixture.Page {
		var b strings.Builder
		b.WriteString("<!doctype html><html lang=\"en\"><head><title>" + title + "</title></head><body><nav>")
		for _, l := range links {
			b.WriteString(`<a href="` + l + `">` + strings.Trim(l, "/") + `</a> `)
		}
		b.WriteString("</nav><article><h1>" + title + "</h1><p>" + body + "</p><p>" + body + "</p></article></body></html>")
		return fixture.HTML(b.String())
	}
	site := fixture.New(t, map[string]fixture.Page{
		"/":        page("Harbour home", "The harbour opens at dawn and the ferries leave every hour for the islands.", "/about", "/contact"),
		"/about":   page("About the harbour", "The harbour was built in 1820 by the fishermen of the bay and rebuilt after the storm.", "/"),
		"/contact": page("Contact", "Write to the harbour master at the office by the old lighthouse on the pier.", "/"),
	})
	const key = "playground-e2e-key"
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_AUTH", "")
	t.Setenv("RIPTIDE_API_KEYS", key)
	t.Setenv("RIPTIDE_ALLOW_CIDRS", "127.0.0.0/8")
	base := startServe(t)

	// The build served from another origin with the API's URL written
	// into index.html, as the CDK deployment does (infra/cdk/playground.go).
	elsewhere := httptest.NewServer(crossOriginPlayground(t, filepath.Join(dir, "dist"), base))
	defer elsewhere.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "e2e/playground-e2e.mjs")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "BASE="+base, "KEY="+key, "SITE="+site.Server.URL, "CHROMIUM="+browser, "SHOTS="+shots, "ELSEWHERE="+elsewhere.URL)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("the browser run failed: %v\n%s\n%s", err, raw, stderr.String())
	}
	var out struct {
		Steps                []string `json:"steps"`
		FailedStep           string   `json:"failedStep"`
		Error                string   `json:"error"`
		ConsoleErrors        []string `json:"consoleErrors"`
		KeyInURL             []string `json:"keyInURL"`
		IndexStatus          int      `json:"indexStatus"`
		IndexCSP             string   `json:"indexCSP"`
		KeyStored            string   `json:"keyStored"`
		KeyInLocalStorage    bool     `json:"keyInLocalStorage"`
		Curl                 string   `json:"curl"`
		GoCode               string   `json:"goCode"`
		GoTabSelected        string   `json:"goTabSelected"`
		PythonCode           string   `json:"pythonCode"`
		JSCode               string   `json:"jsCode"`
		CrawlMarkdownHeading string   `json:"crawlMarkdownHeading"`
		CrawlMarkdown        string   `json:"crawlMarkdown"`
		StreamStatus         string   `json:"streamStatus"`
		StreamEventTypes     []string `json:"streamEventTypes"`
		SSEStatus            string   `json:"sseStatus"`
		SpiderCount          string   `json:"spiderCount"`
		SpiderPages          []string `json:"spiderPages"`
		RenderScreenshotW    int      `json:"renderScreenshotWidth"`
		RenderMarkdown       string   `json:"renderMarkdown"`
		JobReply             string   `json:"jobReply"`
		Jobs                 []string `json:"jobs"`
		Components           []string `json:"components"`
		HealthScore          string   `json:"healthScore"`
		ReferenceTitle       string   `json:"referenceTitle"`
		ReferenceTags        []string `json:"referenceTags"`
		ReferenceServer      string   `json:"referenceServer"`
		KeyboardFocusInMain  string   `json:"keyboardFocusInMain"`
		ElsewhereCurl        string   `json:"elsewhereCurl"`
		ElsewhereStream      string   `json:"elsewhereStream"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("browser output: %v\n%s\n%s", err, raw, stderr.String())
	}
	if out.FailedStep != "" {
		t.Fatalf("step %q failed after %v: %s", out.FailedStep, out.Steps, out.Error)
	}
	if out.IndexStatus != 200 || !strings.Contains(out.IndexCSP, "script-src 'self'") {
		t.Errorf("GET /: %d, CSP %q", out.IndexStatus, out.IndexCSP)
	}
	if out.KeyStored != key || out.KeyInLocalStorage {
		t.Errorf("the key is kept in sessionStorage only: session %q, in localStorage %v", out.KeyStored, out.KeyInLocalStorage)
	}
	if len(out.KeyInURL) > 0 {
		t.Errorf("the key went into URLs: %v", out.KeyInURL)
	}
	if strings.Contains(out.Curl, key) || !strings.Contains(out.Curl, "$RIPTIDE_API_KEY") || !strings.Contains(out.Curl, base+"/api/v1/crawl") ||
		!strings.Contains(out.Curl, site.Server.URL) {
		t.Errorf("generated curl: %s", out.Curl)
	}
	if !strings.Contains(out.GoCode, `http.NewRequest("POST", "`+base+`/api/v1/crawl"`) || !strings.Contains(out.GoCode, `os.Getenv("RIPTIDE_API_KEY")`) {
		t.Errorf("generated Go: %s", out.GoCode)
	}
	if out.GoTabSelected != "true" {
		t.Errorf("three ArrowRight presses from the curl tab did not select Go (aria-selected %q)", out.GoTabSelected)
	}
	if !strings.Contains(out.PythonCode, "requests.post(") || !strings.Contains(out.PythonCode, `os.environ["RIPTIDE_API_KEY"]`) {
		t.Errorf("generated Python: %s", out.PythonCode)
	}
	t.Run("generated code runs", func(t *testing.T) {
		runGenerated(t, key, map[string]string{"curl": out.Curl, "go": out.GoCode, "python": out.PythonCode, "javascript": out.JSCode})
	})
	if out.CrawlMarkdownHeading != "Harbour home" || !strings.Contains(out.CrawlMarkdown, "ferries leave every hour") {
		t.Errorf("crawl markdown: %q %q", out.CrawlMarkdownHeading, out.CrawlMarkdown)
	}
	if out.StreamStatus != "Stream finished: 3 result(s)." || !slices.Contains(out.StreamEventTypes, "metadata") ||
		out.StreamEventTypes[len(out.StreamEventTypes)-1] != "summary" {
		t.Errorf("NDJSON stream: %q %v", out.StreamStatus, out.StreamEventTypes)
	}
	if out.SSEStatus != "Stream finished: 1 result(s)." {
		t.Errorf("SSE stream: %q", out.SSEStatus)
	}
	slices.Sort(out.SpiderPages)
	if want := []string{site.Server.URL + "/", site.Server.URL + "/about", site.Server.URL + "/contact"}; !slices.Equal(out.SpiderPages, want) || out.SpiderCount != "3 page(s)" {
		t.Errorf("spider pages: %q %v, want %v", out.SpiderCount, out.SpiderPages, want)
	}
	if out.RenderScreenshotW < 100 || !strings.Contains(out.RenderMarkdown, "ferries leave every hour") {
		t.Errorf("render: screenshot %d px wide, markdown %q", out.RenderScreenshotW, out.RenderMarkdown)
	}
	var accepted struct {
		JobID string `json:"job_id"`
	}
	if err := json.Unmarshal([]byte(out.JobReply), &accepted); err != nil || accepted.JobID == "" ||
		!slices.ContainsFunc(out.Jobs, func(row string) bool { return strings.Contains(row, accepted.JobID) }) {
		t.Errorf("job %q (%v) not listed: %v", accepted.JobID, err, out.Jobs)
	}
	if !slices.Contains(out.Components, "redis") || !strings.Contains(out.HealthScore, "Health score") {
		t.Errorf("health: %v %q", out.Components, out.HealthScore)
	}
	if !strings.Contains(out.ReferenceTitle, "RipTide") || !slices.ContainsFunc(out.ReferenceTags, func(tag string) bool { return strings.HasPrefix(tag, "spider") }) {
		t.Errorf("API reference: %q with tags %q", out.ReferenceTitle, out.ReferenceTags)
	}
	if out.ReferenceServer != base {
		t.Errorf("Try it out would call %q, want this server %q", out.ReferenceServer, base)
	}
	if out.KeyboardFocusInMain != "main" {
		t.Errorf("after choosing a view with the keyboard, focus is on %q, want the main region", out.KeyboardFocusInMain)
	}
	if !strings.Contains(out.ElsewhereCurl, base+"/api/v1/crawl/stream") || !strings.Contains(out.ElsewhereStream, "ferries leave every hour") {
		t.Errorf("from another origin: code %q, streamed markdown %q", out.ElsewhereCurl, out.ElsewhereStream)
	}
	if len(out.ConsoleErrors) > 0 {
		t.Errorf("console errors (CSP violations included): %v", out.ConsoleErrors)
	}
}

// runGenerated runs the code the builder generated for the crawl of the
// fixture home page, with the key in RIPTIDE_API_KEY as the snippets
// expect, and checks that each one printed the page's markdown.
func runGenerated(t *testing.T, key string, code map[string]string) {
	dir := t.TempDir()
	files := map[string]string{"curl": "crawl.sh", "go": "main.go", "python": "crawl.py", "javascript": "crawl.mjs"}
	for lang, src := range code {
		if src == "" {
			t.Errorf("no %s code", lang)
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, files[lang]), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	commands := map[string][]string{
		"curl":       {"bash", files["curl"]},
		"go":         {"go", "run", files["go"]},
		"python":     {"python3", files["python"]},
		"javascript": {"node", files["javascript"]},
	}
	for lang, argv := range commands {
		t.Run(lang, func(t *testing.T) {
			bin, err := exec.LookPath(argv[0])
			if err != nil {
				testenv.Missing(t, argv[0], "to run the generated "+lang+" code")
			}
			if lang == "python" && exec.Command(bin, "-c", "import requests").Run() != nil {
				testenv.Missing(t, "python requests", "pip install requests")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, argv[1:]...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "RIPTIDE_API_KEY="+key)
			got, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(got), "ferries leave every hour") {
				t.Errorf("the generated %s code: %v\n%s", lang, err, got)
			}
		})
	}
}

// crossOriginPlayground serves the playground's build with api as the
// API's URL in index.html.
func crossOriginPlayground(t *testing.T, dist, api string) http.Handler {
	index, err := os.ReadFile(filepath.Join(dist, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	const meta = `<meta name="riptide-api" content="" />`
	if !strings.Contains(string(index), meta) {
		t.Fatalf("index.html has no %s", meta)
	}
	page := strings.Replace(string(index), meta, `<meta name="riptide-api" content="`+api+`/" />`, 1)
	files := http.FileServer(http.Dir(dist))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" || r.URL.Path == "/index.html" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = io.WriteString(w, page)
			return
		}
		files.ServeHTTP(w, r)
	})
}
