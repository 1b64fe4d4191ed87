package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/render"
)

func TestExtractNDJSONKeepsInputOrder(t *testing.T) {
	var in bytes.Buffer
	const n = 200
	for i := 0; i < n; i++ {
		line, _ := json.Marshal(map[string]any{"id": fmt.Sprintf("doc-%d", i), "url": fmt.Sprintf("https://site.example/%d", i),
			"html": fixture.Article(fmt.Sprintf("Title %d", i), fixture.Prose, fixture.Prose+fmt.Sprintf(" Number %d.", i))})
		in.Write(line)
		in.WriteByte('\n')
		if i == 50 {
			in.WriteString("this is not json\n")
		}
		if i == 60 {
			in.WriteString("\n") // blank lines are not records
		}
	}
	var out bytes.Buffer
	if err := extractNDJSON(context.Background(), &in, &out, 4); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != n+1 {
		t.Fatalf("%d output lines for %d records", len(lines), n+1)
	}
	for i, l := range lines {
		var o struct {
			ID       *string                    `json:"id"`
			Title    string                     `json:"title"`
			Text     string                     `json:"text"`
			Markdown string                     `json:"markdown"`
			Metadata map[string]json.RawMessage `json:"metadata"`
			Error    *string                    `json:"error"`
		}
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		doc := i
		if i == 51 {
			if o.Error == nil || !strings.Contains(*o.Error, "invalid JSON") {
				t.Fatalf("bad input line must give an error line in place: %s", l)
			}
			continue
		}
		if i > 51 {
			doc = i - 1
		}
		if o.Error != nil || o.ID == nil || *o.ID != fmt.Sprintf("doc-%d", doc) || o.Title != fmt.Sprintf("Title %d", doc) {
			t.Fatalf("line %d out of order or failed: %s", i, l)
		}
		if strings.Contains(o.Text, "#") || strings.HasPrefix(o.Text, o.Title) || !strings.Contains(o.Text, fmt.Sprintf("Number %d.", doc)) {
			t.Fatalf("text must be the plain main content without the title line: %q", o.Text)
		}
		if o.Metadata == nil || o.Markdown == "" {
			t.Fatalf("line %d lacks metadata/markdown", i)
		}
	}
}

func TestExtractFileFormats(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "page.html")
	html := fixture.Article("File Page", fixture.Prose, fixture.Prose+" Two.", fixture.Prose+" Three.") + `<a href="/x">x</a>`
	os.WriteFile(file, []byte(html), 0o644)
	for format, want := range map[string]string{"text": "fishermen", "markdown": "# File Page", "json": `"title": "File Page"`} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"extract", "--format", format, "--url", "https://f.example/", file}, nil, &out, &errb)
		if code != 0 || !strings.Contains(out.String(), want) {
			t.Errorf("%s: exit %d, output %q, stderr %q", format, code, out.String(), errb.String())
		}
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"extract", "-"}, strings.NewReader(html), &out, &errb); code != 0 || !strings.Contains(out.String(), "fishermen") {
		t.Errorf("stdin: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"extract", "--format", "pdf", file}, nil, &out, &errb); code != 2 {
		t.Errorf("an unknown format is a usage error: exit %d", code)
	}
	// Flags may follow the file (they used to be ignored: markdown came out as text).
	if code, out, errb := cliRun(t, nil, "extract", file, "--format", "markdown"); code != 0 || !strings.Contains(out, "# File Page") {
		t.Errorf("extract FILE --format markdown: exit %d, %q, %q", code, out, errb)
	}
}

// cliRun runs a command line with the given environment and returns the
// exit code, stdout and stderr.
func cliRun(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, lookup: config.FromMap(env)}.run(context.Background(), args)
	return code, out.String(), errb.String()
}

var loopbackAllowed = map[string]string{"RIPTIDE_ALLOW_CIDRS": "127.0.0.1/32"}

func TestCrawlCommand(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{"/a": fixture.HTML(fixture.Article("Alpha", fixture.Prose, fixture.Prose))})
	code, out, errb := cliRun(t, loopbackAllowed, "crawl", "--ndjson", site.URL("/a"), site.URL("/missing"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], `"type":"summary"`) || !strings.Contains(out, `"title":"Alpha"`) ||
		!strings.Contains(out, `"type":"fetch_error"`) {
		t.Fatalf("ndjson output:\n%s", out)
	}
	code, out, errb = cliRun(t, loopbackAllowed, "crawl", site.URL("/a"), site.URL("/missing"))
	if code != 1 || !strings.Contains(errb, "1 of 2") || !strings.Contains(out, "# Alpha") || !strings.Contains(out, "FAILED: fetch_error") {
		t.Fatalf("markdown output: exit %d, stderr %q\n%s", code, errb, out)
	}
	if code, _, errb := cliRun(t, loopbackAllowed, "crawl"); code != 2 || !strings.Contains(errb, "requires at least 1 arg") {
		t.Errorf("crawl without a URL: exit %d, %q", code, errb)
	}
}

// TestCrawlBlockedLoopbackNamesTheVariable: without the allowlist the SSRF
// guard refuses a loopback target, and stderr says which variable to set.
func TestCrawlBlockedLoopbackNamesTheVariable(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{"/a": fixture.HTML(fixture.Article("Alpha", fixture.Prose, fixture.Prose))})
	code, out, errb := cliRun(t, nil, "crawl", site.URL("/a"), "--ndjson")
	if !strings.Contains(out, `"type":"blocked_url"`) || site.Count("/a") != 0 {
		t.Fatalf("guard: %s (fetches %d)", out, site.Count("/a"))
	}
	if code != 0 || !strings.Contains(errb, "RIPTIDE_ALLOW_CIDRS=127.0.0.0/8") {
		t.Errorf("exit %d; stderr must name RIPTIDE_ALLOW_CIDRS=127.0.0.0/8: %q", code, errb)
	}
	for _, c := range []struct{ url, msg, want string }{
		{"http://10.1.2.3/", "address 10.1.2.3 is blocked: private", "10.1.2.3/32"},
		{"http://localhost:8080/", "host localhost resolves to a blocked address: loopback", "127.0.0.0/8"},
		{"http://[::1]/", "address ::1 is blocked: loopback", "::1/128"},
		{"http://[fd00::5]/", "blocked", "fd00::5/128"},
	} {
		if got := allowCIDRFor(c.url, c.msg); got != c.want {
			t.Errorf("allowCIDRFor(%s, %q) = %s, want %s", c.url, c.msg, got, c.want)
		}
	}
}

// TestCrawlFlagsAfterURLs: flags may follow the URLs (they used to be taken
// for URLs), and --format text starts each page with a "==> URL <==" line.
func TestCrawlFlagsAfterURLs(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{
		"/a": fixture.HTML(fixture.Article("Alpha", fixture.Prose, fixture.Prose)),
		"/b": fixture.HTML(fixture.Article("Beta", fixture.Prose, fixture.Prose)),
	})
	code, out, errb := cliRun(t, loopbackAllowed, "crawl", site.URL("/a"), "--format", "json")
	var r struct {
		URL      string `json:"url"`
		Document struct {
			Title string `json:"title"`
		} `json:"document"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || r.Document.Title != "Alpha" || site.PageRequests() != 1 {
		t.Fatalf("crawl URL --format json: exit %d, stderr %q, %d page requests\n%s", code, errb, site.PageRequests(), out)
	}
	code, out, errb = cliRun(t, loopbackAllowed, "crawl", site.URL("/a"), site.URL("/b"), "--format=text", "--concurrency", "1")
	if code != 0 {
		t.Fatalf("text: exit %d: %s", code, errb)
	}
	pages := regexp.MustCompile(`(?m)^==> (\S+) <==$`).FindAllStringSubmatchIndex(out, -1)
	if len(pages) != 2 || out[pages[0][2]:pages[0][3]] != site.URL("/a") || out[pages[1][2]:pages[1][3]] != site.URL("/b") {
		t.Fatalf("text output must start each page with ==> URL <==:\n%s", out)
	}
	if first := out[pages[0][1]:pages[1][0]]; !strings.Contains(first, "Alpha") || strings.Contains(first, "Beta") {
		t.Errorf("first page section: %q", first)
	}
}

// spaShell is a page whose content only exists after its script runs.
const spaShell = `<!doctype html><html><head><title>App</title></head><body><div id="root">Loading...</div>
<script>document.getElementById('root').innerHTML = '<article><h1>Rendered Heading</h1><p>' +
'This paragraph exists only after the script ran in a real browser, and it is long enough to be the main content. '.repeat(6) +
'</p></article>';</script></body></html>`

// TestCrawlRenderWithChromium: --render (and --render-mode headless, and
// the gate in auto mode) render in Chromium when it is installed.
func TestCrawlRenderWithChromium(t *testing.T) {
	if _, err := render.FindChromium(); err != nil {
		testenv.Missing(t, "chromium", "apt-get install -y chromium-headless-shell (or chromium), or set RIPTIDE_CHROMIUM_PATH ("+err.Error()+")")
	}
	site := fixture.New(t, map[string]fixture.Page{"/app": fixture.HTML(spaShell)})
	for _, args := range [][]string{{"--render"}, {"--render-mode", "headless"}, {}} {
		cmd := append([]string{"crawl", site.URL("/app"), "--format", "json"}, args...)
		code, out, errb := cliRun(t, loopbackAllowed, cmd...)
		if code != 0 || !strings.Contains(out, "exists only after the script ran") || !strings.Contains(out, `"gate_decision":"headless"`) {
			t.Errorf("%v: exit %d, stderr %q\n%s", args, code, errb, out)
		}
	}
	if code, _, errb := cliRun(t, loopbackAllowed, "crawl", site.URL("/app"), "--render", "--render-mode", "raw"); code != 2 {
		t.Errorf("--render with --render-mode raw: exit %d, %q", code, errb)
	}
}

// TestCrawlWithoutChromiumSaysSo: with no browser, --render fails naming
// RIPTIDE_CHROMIUM_PATH and apt-get, and auto mode says on stderr that a
// page needing a browser was extracted raw (it used to print "Loading..."
// and exit 0 with the note only in JSON).
func TestCrawlWithoutChromiumSaysSo(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("RIPTIDE_CHROMIUM_PATH", "")
	site := fixture.New(t, map[string]fixture.Page{"/app": fixture.HTML(spaShell)})
	code, out, errb := cliRun(t, loopbackAllowed, "crawl", site.URL("/app"), "--render")
	if code != 1 || out != "" || !strings.Contains(errb, "needs Chromium") || !strings.Contains(errb, "RIPTIDE_CHROMIUM_PATH") ||
		!strings.Contains(errb, "apt-get install") || site.PageRequests() != 0 {
		t.Errorf("--render without Chromium: exit %d, stdout %q, stderr %q", code, out, errb)
	}
	code, out, errb = cliRun(t, loopbackAllowed, "crawl", site.URL("/app"))
	if code != 0 || !strings.Contains(out, "Loading...") || !strings.Contains(errb, "no Chromium was found") || !strings.Contains(errb, "headless browser") || !strings.Contains(errb, site.URL("/app")) ||
		!strings.Contains(errb, "RIPTIDE_CHROMIUM_PATH") {
		t.Errorf("auto mode without Chromium: exit %d, stderr %q\n%s", code, errb, out)
	}
}
