package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/shared/config"
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
	if code := run(context.Background(), []string{"extract", "--format", "pdf", file}, nil, &out, &errb); code == 0 {
		t.Error("an unknown format must fail")
	}
}

func TestCrawlCommand(t *testing.T) {
	site := fixture.New(t, map[string]fixture.Page{"/a": fixture.HTML(fixture.Article("Alpha", fixture.Prose, fixture.Prose))})
	lookup := config.FromMap(map[string]string{"RIPTIDE_ALLOW_CIDRS": "127.0.0.1/32"})
	var out, errb bytes.Buffer
	err := crawlCmd(context.Background(), []string{"--ndjson", site.URL("/a"), site.URL("/missing")}, &out, &errb, lookup)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], `"type":"summary"`) || !strings.Contains(out.String(), `"title":"Alpha"`) ||
		!strings.Contains(out.String(), `"type":"fetch_error"`) {
		t.Fatalf("ndjson output:\n%s", out.String())
	}
	out.Reset()
	err = crawlCmd(context.Background(), []string{site.URL("/a"), site.URL("/missing")}, &out, &errb, lookup)
	if err == nil || !strings.Contains(err.Error(), "1 of 2") || !strings.Contains(out.String(), "# Alpha") || !strings.Contains(out.String(), "FAILED: fetch_error") {
		t.Fatalf("markdown output: %v\n%s", err, out.String())
	}
	// Without the allowlist the SSRF guard refuses loopback targets.
	out.Reset()
	_ = crawlCmd(context.Background(), []string{"--ndjson", site.URL("/a")}, &out, &errb, config.FromMap(nil))
	if !strings.Contains(out.String(), `"type":"blocked_url"`) || site.Count("/a") != 2 {
		t.Fatalf("guard: %s (fetches %d)", out.String(), site.Count("/a"))
	}
}
