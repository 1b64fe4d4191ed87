package playground

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

// apiStub stands for the API: it marks every request it is handed.
var apiStub = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Handled-By", "api")
	w.WriteHeader(http.StatusTeapot)
})

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestEmbeddedBuild: the committed build has an index whose every
// /assets/ reference is embedded and served with its content type and
// the long-lived cache header.
func TestEmbeddedBuild(t *testing.T) {
	site, err := New()
	if err != nil {
		t.Fatalf("the embedded build: %v (run `make playground`)", err)
	}
	h := site.Mount(apiStub)
	rec := get(t, h, "GET", "/")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/html; charset=utf-8" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("GET /: %d %v", rec.Code, rec.Header())
	}
	refs := regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`).FindAllStringSubmatch(rec.Body.String(), -1)
	if len(refs) < 2 {
		t.Fatalf("index.html references %d assets, want the script and the stylesheet: %s", len(refs), rec.Body.String())
	}
	want := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for _, m := range refs {
		a := get(t, h, "GET", m[1])
		ext := m[1][strings.LastIndex(m[1], "."):]
		if a.Code != 200 || a.Header().Get("Content-Type") != want[ext] || a.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			a.Header().Get("X-Content-Type-Options") != "nosniff" || a.Body.Len() == 0 {
			t.Errorf("GET %s: %d %v (%d bytes)", m[1], a.Code, a.Header(), a.Body.Len())
		}
	}
	// The API reference loads Swagger UI by a versioned name.
	var swagger bool
	for p := range site.assets {
		swagger = swagger || regexp.MustCompile(`^/assets/swagger-ui-\d+\.\d+\.\d+\.js$`).MatchString(p)
	}
	if !swagger {
		t.Error("no /assets/swagger-ui-<version>.js in the build")
	}
}

func TestMount(t *testing.T) {
	site, err := newSite(fstest.MapFS{
		"dist/index.html":         {Data: []byte(`<!doctype html><script type="module" src="/assets/app-1.js"></script>`)},
		"dist/assets/app-1.js":    {Data: []byte(`console.log(1)`)},
		"dist/assets/style-2.css": {Data: []byte(`body{}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := site.Mount(apiStub)

	idx := get(t, h, "GET", "/")
	if idx.Code != 200 || !strings.Contains(idx.Body.String(), "app-1.js") {
		t.Fatalf("GET /: %d %q", idx.Code, idx.Body.String())
	}
	for _, hdr := range []string{"Content-Security-Policy", "ETag", "Referrer-Policy", "X-Content-Type-Options"} {
		if idx.Header().Get(hdr) == "" {
			t.Errorf("GET / without %s", hdr)
		}
	}
	if csp := idx.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") ||
		!strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	if r := get(t, h, "GET", "/", "If-None-Match", idx.Header().Get("ETag")); r.Code != http.StatusNotModified {
		t.Errorf("revalidation with the ETag: %d, want 304", r.Code)
	}
	if r := get(t, h, "HEAD", "/assets/style-2.css"); r.Code != 200 || r.Header().Get("Content-Type") != "text/css; charset=utf-8" || r.Body.Len() != 0 {
		t.Errorf("HEAD css: %d %v %d bytes", r.Code, r.Header(), r.Body.Len())
	}
	// Everything else is the API's: other methods on /, unknown assets
	// (its 404 has the unified error shape), every other path.
	for _, c := range []struct{ method, path string }{
		{"POST", "/"}, {"DELETE", "/assets/app-1.js"}, {"GET", "/assets/missing.js"}, {"GET", "/index.html"},
		{"GET", "/api/v1/health"}, {"GET", "/healthz"}, {"POST", "/v1/scrape"}, {"GET", "/assets"},
	} {
		if r := get(t, h, c.method, c.path); r.Header().Get("X-Handled-By") != "api" {
			t.Errorf("%s %s was not handed to the API: %d %v", c.method, c.path, r.Code, r.Header())
		}
	}
}

func TestNoIndex(t *testing.T) {
	if _, err := newSite(fstest.MapFS{"dist/assets/a.js": {Data: []byte("1")}}); err == nil {
		t.Error("a build without index.html was accepted")
	}
}

func TestGzip(t *testing.T) {
	site, err := New()
	if err != nil {
		t.Fatal(err)
	}
	h := site.Mount(apiStub)
	var js string
	for p := range site.assets {
		if strings.HasPrefix(p, "/assets/swagger-ui-") && strings.HasSuffix(p, ".js") {
			js = p
		}
	}
	plain := get(t, h, "GET", js)
	gz := get(t, h, "GET", js, "Accept-Encoding", "br, gzip;q=0.8")
	if plain.Header().Get("Content-Encoding") != "" || gz.Header().Get("Content-Encoding") != "gzip" ||
		!strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") || plain.Header().Get("ETag") == gz.Header().Get("ETag") {
		t.Fatalf("plain %v\ngzip %v", plain.Header(), gz.Header())
	}
	plainLen, gzLen := plain.Body.Len(), gz.Body.Len()
	zr, err := gzip.NewReader(bytes.NewReader(gz.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Fatalf("the gzip body does not decode to the file: %v", err)
	}
	if ratio := float64(gzLen) / float64(plainLen); ratio > 0.4 {
		t.Errorf("gzip is %.0f%% of the plain file", ratio*100)
	}
	t.Logf("%s: %d bytes, %d gzipped (%.2f)", js, plainLen, gzLen, float64(gzLen)/float64(plainLen))
	// A revalidation of the gzip representation gets its 304.
	if nm := get(t, h, "GET", js, "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")); nm.Code != http.StatusNotModified {
		t.Errorf("If-None-Match on the gzip ETag: %d", nm.Code)
	}
	if idx := get(t, h, "GET", "/", "Accept-Encoding", "gzip"); idx.Header().Get("Content-Encoding") != "gzip" {
		t.Errorf("index.html not gzipped: %v", idx.Header())
	}

	for header, want := range map[string]bool{
		"gzip": true, "gzip, deflate, br": true, "GZIP;q=0.5": true, "*": true,
		"": false, "identity": false, "br": false, "gzip;q=0": false, "gzip;q=0, *": false, "*;q=0": false, "deflate, *;q=0.1": true,
	} {
		if got := acceptsGzip([]string{header}); got != want {
			t.Errorf("Accept-Encoding %q: gzip %v, want %v", header, got, want)
		}
	}
}
