package pdfapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/riptidecrawler/riptide/internal/fixture"
	"github.com/riptidecrawler/riptide/internal/motoaws"
	pdfapi "github.com/riptidecrawler/riptide/shared/api/pdf"
	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/blob/s3blob"
	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
)

func corpus(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "pdf", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type env struct {
	site *fixture.Site
	h    http.Handler
}

// setup serves the pdf group with the real middleware over a fetcher that
// may reach the loopback fixture site (allow) or not.
func setup(t *testing.T, allow bool, store blob.Store) env {
	t.Helper()
	site := fixture.New(t, map[string]fixture.Page{
		"/report.pdf": {Status: 200, ContentType: "application/pdf", Body: string(corpus(t, "multipage.pdf"))},
		"/page.html":  fixture.HTML("<html><body><p>not a pdf</p></body></html>"),
		"/slow.pdf":   {Status: 200, ContentType: "application/pdf", Body: string(corpus(t, "article.pdf")), Delay: 3 * time.Second},
		"/gone.pdf":   {Status: 404, ContentType: "text/plain", Body: "no"},
	})
	var opts fetch.Options
	if allow {
		opts.AllowCIDRs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	}
	f, err := fetch.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h, err := httpx.NewHandler(httpx.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Auth: httpx.AuthConfig{Disabled: true}},
		routes.Group("pdf"), pdfapi.Handlers(pdfapi.Deps{Fetcher: f, Blob: store}))
	if err != nil {
		t.Fatal(err)
	}
	return env{site: site, h: h}
}

func (e env) do(method, path, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	e.h.ServeHTTP(rec, req)
	return rec
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%d %s: %v", rec.Code, rec.Body, err)
	}
	return v
}

type errBody struct {
	Error httpx.ErrorPayload `json:"error"`
}

func TestProcessInlineData(t *testing.T) {
	e := setup(t, true, nil)
	rec := e.do("POST", "/api/v1/pdf/process", `{"data":"`+b64(corpus(t, "article.pdf"))+`","filename":"notes.pdf","options":{"markdown":true}}`)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	out := decode[pdfapi.ProcessResponse](t, rec)
	if out.Source.Kind != "data" || out.Source.Filename != "notes.pdf" || out.Source.Bytes != len(corpus(t, "article.pdf")) ||
		out.Metadata.Title != "Tidal Power Notes" || len(out.Pages) != 1 || out.Stats.Pages != 1 || out.Stats.Words < 50 ||
		!strings.Contains(out.Pages[0].Text, "Tidal streams turn underwater turbines") || !strings.HasPrefix(out.Markdown, "# Tidal Power Notes") {
		t.Fatalf("%+v", out)
	}
}

func TestProcessURLThroughTheGuard(t *testing.T) {
	e := setup(t, true, nil)
	rec := e.do("POST", "/api/v1/pdf/process", `{"url":"`+e.site.URL("/report.pdf")+`"}`)
	out := decode[pdfapi.ProcessResponse](t, rec)
	if rec.Code != 200 || len(out.Pages) != 3 || out.Source.FinalURL != e.site.URL("/report.pdf") || out.Markdown != "" ||
		!strings.Contains(out.Pages[1].Text, "Part two: lighthouses") {
		t.Fatalf("%d %+v", rec.Code, out)
	}
	// The default guard refuses loopback addresses: the URL is never fetched.
	guarded := setup(t, false, nil)
	rec = guarded.do("POST", "/api/v1/pdf/process", `{"url":"`+guarded.site.URL("/report.pdf")+`"}`)
	if body := decode[errBody](t, rec); rec.Code != 400 || body.Error.Type != "blocked_url" || guarded.site.Count("/report.pdf") != 0 {
		t.Fatalf("guard: %d %s", rec.Code, rec.Body)
	}
}

func TestProcessStream(t *testing.T) {
	e := setup(t, true, nil)
	rec := e.do("POST", "/api/v1/pdf/process-stream", `{"data":"`+b64(corpus(t, "multipage.pdf"))+`"}`)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/x-ndjson") {
		t.Fatalf("%d %s", rec.Code, rec.Header())
	}
	var types []string
	var pages []int
	sc := bufio.NewScanner(bytes.NewReader(rec.Body.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Type string `json:"type"`
			Page struct {
				Number int
				Text   string
			}
			Metadata struct{ Title string }
			Total    int `json:"total_pages"`
			Stats    pdfapi.Stats
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		types = append(types, line.Type)
		switch line.Type {
		case "metadata":
			if line.Metadata.Title != "Three Page Report" || line.Total != 3 {
				t.Errorf("metadata line %s", sc.Text())
			}
		case "page":
			pages = append(pages, line.Page.Number)
			if line.Page.Text == "" {
				t.Errorf("empty page line %s", sc.Text())
			}
		case "summary":
			if line.Stats.Pages != 3 || line.Stats.Words == 0 {
				t.Errorf("summary %s", sc.Text())
			}
		}
	}
	got := strings.Join(types, ",")
	if got != "metadata,page,progress,page,progress,page,summary" || len(pages) != 3 || pages[2] != 3 {
		t.Fatalf("lines %s pages %v", got, pages)
	}
	// A file that cannot be opened is a plain 4xx, before any stream line.
	rec = e.do("POST", "/api/v1/pdf/process-stream", `{"data":"`+b64(corpus(t, "encrypted.pdf"))+`"}`)
	if body := decode[errBody](t, rec); rec.Code != 422 || body.Error.Type != "extraction_error" {
		t.Fatalf("encrypted stream: %d %s", rec.Code, rec.Body)
	}
}

func TestClientMistakesAndBadFiles(t *testing.T) {
	e := setup(t, true, nil)
	cases := []struct {
		name, body string
		status     int
		typ, msg   string
	}{
		{"no source", `{}`, 400, "validation_error", "exactly one of url, data"},
		{"two sources", `{"url":"http://127.0.0.1/a.pdf","data":"JVBERi0="}`, 400, "validation_error", "exactly one"},
		{"bad base64", `{"data":"%%%"}`, 400, "validation_error", "data: not valid base64"},
		{"not a pdf", `{"data":"` + b64([]byte("<html>hi</html>")) + `"}`, 400, "validation_error", "not a PDF"},
		{"unknown field", `{"data":"JVBERi0=","pages":[1]}`, 400, "validation_error", `unknown field "pages"`},
		{"timeout range", `{"data":"JVBERi0=","options":{"timeout_ms":5}}`, 400, "validation_error", "options.timeout_ms"},
		{"bad upload key", `{"upload_key":"artifacts/req1/page.pdf"}`, 400, "validation_error", "upload_key"},
		{"encrypted", `{"data":"` + b64(corpus(t, "encrypted.pdf")) + `"}`, 422, "extraction_error", "password"},
		{"wrong password", `{"data":"` + b64(corpus(t, "encrypted.pdf")) + `","password":"x"}`, 422, "extraction_error", "does not open it"},
		{"truncated", `{"data":"` + b64(corpus(t, "truncated.pdf")) + `"}`, 422, "extraction_error", "truncated"},
		{"corrupt", `{"data":"` + b64(corpus(t, "corrupt.pdf")) + `"}`, 422, "extraction_error", "damaged"},
		{"html url", `{"url":"` + e.site.URL("/page.html") + `"}`, 422, "extraction_error", "not a PDF"},
		{"missing url", `{"url":"` + e.site.URL("/gone.pdf") + `"}`, 502, "fetch_error", "404"},
		{"slow url", `{"url":"` + e.site.URL("/slow.pdf") + `","options":{"timeout_ms":1000}}`, 504, "timeout_error", "timeout_ms=1000"},
		{"no uploads here", `{"upload_key":"pdf-uploads/0123456789abcdef0123456789abcdef.pdf"}`, 501, "not_implemented", "send the PDF as base64"},
	}
	for _, c := range cases {
		rec := e.do("POST", "/api/v1/pdf/process", c.body)
		body := decode[errBody](t, rec)
		if rec.Code != c.status || string(body.Error.Type) != c.typ || !strings.Contains(body.Error.Message, c.msg) {
			t.Errorf("%s: %d %s, want %d %s containing %q", c.name, rec.Code, rec.Body, c.status, c.typ, c.msg)
		}
	}
	big := `{"data":"` + strings.Repeat("A", 7<<20) + `"}`
	if rec := e.do("POST", "/api/v1/pdf/process", big); rec.Code != 413 {
		t.Errorf("7 MiB body: %d", rec.Code)
	}
}

func TestScannedPDFSaysNeedsOCR(t *testing.T) {
	e := setup(t, true, nil)
	rec := e.do("POST", "/api/v1/pdf/process", `{"data":"`+b64(corpus(t, "scanned.pdf"))+`"}`)
	out := decode[pdfapi.ProcessResponse](t, rec)
	if rec.Code != 200 || !out.NeedsOCR || !out.Pages[0].NeedsOCR || out.Stats.PagesNeedOCR != 1 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func TestLegacyPathAndOriginalFieldName(t *testing.T) {
	e := setup(t, true, nil)
	rec := e.do("POST", "/pdf/process", `{"pdf_data":"`+b64(corpus(t, "article.pdf"))+`"}`)
	if rec.Code != 200 || rec.Header().Get("Deprecation") == "" || !strings.Contains(rec.Body.String(), "Tidal streams") {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
}

func TestHealthAndUploadsWithoutLinks(t *testing.T) {
	e := setup(t, true, blob.NewMemory())
	rec := e.do("GET", "/api/v1/pdf/health", "")
	h := decode[pdfapi.Health](t, rec)
	if rec.Code != 200 || h.Status != "ok" || strings.Join(h.Capabilities.Sources, ",") != "data,url" || h.Capabilities.MaxInlineBytes != routes.LargeMaxBody*3/4 {
		t.Fatalf("%d %+v", rec.Code, h)
	}
	rec = e.do("POST", "/api/v1/pdf/uploads", "")
	if body := decode[errBody](t, rec); rec.Code != 501 || !strings.Contains(body.Error.Message, "send the PDF as base64") {
		t.Fatalf("uploads on a memory store: %d %s", rec.Code, rec.Body)
	}
}

// TestPresignedUploadThroughS3 uploads through a real presigned S3 PUT
// (moto_server on loopback) and processes the file by its key.
func TestPresignedUploadThroughS3(t *testing.T) {
	cfg := motoaws.Config(t, "us-east-1")
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	ctx := context.Background()
	bucket := "riptide-pdf-" + time.Now().Format("150405000000")
	if _, err := client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	st, err := s3blob.New(context.Background(), cfg, bucket, "blobs/", awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, true, st)
	if h := decode[pdfapi.Health](t, e.do("GET", "/api/v1/pdf/health", "")); strings.Join(h.Capabilities.Sources, ",") != "data,url,upload" {
		t.Fatalf("sources %v", h.Capabilities.Sources)
	}
	rec := e.do("POST", "/api/v1/pdf/uploads", `{"filename":"report.pdf"}`)
	up := decode[pdfapi.UploadResponse](t, rec)
	if rec.Code != 200 || up.Method != "PUT" || up.MaxBytes != 100<<20 || !strings.HasPrefix(up.Key, "pdf-uploads/") || !strings.Contains(up.UploadURL, "X-Amz-Signature=") {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// Processing before the PUT: not found.
	rec = e.do("POST", "/api/v1/pdf/process", `{"upload_key":"`+up.Key+`"}`)
	if body := decode[errBody](t, rec); rec.Code != 404 || body.Error.Type != "not_found" {
		t.Fatalf("before upload: %d %s", rec.Code, rec.Body)
	}
	req, _ := http.NewRequest(http.MethodPut, up.UploadURL, bytes.NewReader(corpus(t, "multipage.pdf")))
	for k, v := range up.Headers {
		req.Header.Set(k, v)
	}
	put, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	put.Body.Close()
	if put.StatusCode != 200 {
		t.Fatalf("PUT: %d", put.StatusCode)
	}
	rec = e.do("POST", "/api/v1/pdf/process", `{"upload_key":"`+up.Key+`"}`)
	out := decode[pdfapi.ProcessResponse](t, rec)
	if rec.Code != 200 || out.Source.Kind != "upload" || out.Source.UploadKey != up.Key || len(out.Pages) != 3 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}
