// Package playground serves the web playground (the Vite build in dist/,
// built from src/ by `make playground` and committed, so that building
// the server needs neither npm nor Node) beside the API of `riptide
// serve`: GET / is the app, /assets/ its files; every other request goes
// to the API.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed dist
var dist embed.FS

// AssetsPrefix is where the build's files are served; no API route may
// start with it (cmd/riptide's tests check the route table).
const AssetsPrefix = "/assets/"

// CSP allows the page's own scripts, styles and API calls only: no inline
// script, no third-party origin (the playground loads nothing from
// elsewhere, Swagger UI included), no framing. data: images are the
// render screenshots the API returns as base64.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// contentTypes of the files a Vite build emits, set explicitly rather than
// from the host's MIME table (which differs between machines).
var contentTypes = map[string]string{
	".html":  "text/html; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".css":   "text/css; charset=utf-8",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".json":  "application/json",
	".woff2": "font/woff2",
	".map":   "application/json",
	".txt":   "text/plain; charset=utf-8",
}

type file struct {
	body  []byte
	ctype string
	etag  string
	// gz is body gzip-compressed, made on the first request that accepts
	// it (not at start: the Swagger UI bundle alone takes tens of
	// milliseconds to compress), nil when compressing does not pay.
	gzOnce   sync.Once
	gz       []byte
	compress bool
}

// compressible are the types worth gzipping (text; images and fonts are
// compressed already).
var compressible = map[string]bool{".html": true, ".js": true, ".css": true, ".svg": true, ".json": true, ".map": true, ".txt": true}

// gzipped returns the file's gzip encoding, or nil when it is not smaller.
func (f *file) gzipped() []byte {
	f.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid: no error
		_, _ = zw.Write(f.body)
		if zw.Close() == nil && buf.Len() < len(f.body)*9/10 {
			f.gz = buf.Bytes()
		}
	})
	return f.gz
}

// Site is the playground's files, read from the embedded build once.
type Site struct {
	index  *file
	assets map[string]*file
}

// New reads the embedded build.
func New() (*Site, error) {
	return newSite(dist)
}

func newSite(fsys fs.FS) (*Site, error) {
	root, err := fs.Sub(fsys, "dist")
	if err != nil {
		return nil, err
	}
	s := &Site{assets: map[string]*file{}}
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			ct = "application/octet-stream"
		}
		f := &file{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, compress: compressible[path.Ext(p)]}
		if p == "index.html" {
			s.index = f
		} else {
			s.assets["/"+p] = f
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if s.index == nil {
		return nil, fs.ErrNotExist
	}
	return s, nil
}

// Mount serves the playground's GET and HEAD requests for / and
// /assets/... and hands every other request to api. The files are public:
// the page has to load before anyone can type a key into it; the API
// calls it makes are authenticated as any other.
func (s *Site) Mount(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			api.ServeHTTP(w, r)
			return
		}
		switch {
		case r.URL.Path == "/":
			// index.html names the hashed assets of the build: revalidate
			// it on every load so a new build is picked up at once.
			s.serve(w, r, s.index, "no-cache")
		case strings.HasPrefix(r.URL.Path, AssetsPrefix):
			f, ok := s.assets[r.URL.Path]
			if !ok {
				// The API's 404: the unified error shape, with a request id.
				api.ServeHTTP(w, r)
				return
			}
			// Asset names carry a content hash or a version: they never
			// change, so browsers may keep them for a year.
			s.serve(w, r, f, "public, max-age=31536000, immutable")
		default:
			api.ServeHTTP(w, r)
		}
	})
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request, f *file, cache string) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", cache)
	body, etag := f.body, f.etag
	if f.compress {
		// Caches must keep the two encodings apart.
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Values("Accept-Encoding")) {
			if gz := f.gzipped(); gz != nil {
				// A strong ETag names one representation: the gzip one
				// has its own.
				body, etag = gz, strings.TrimSuffix(f.etag, `"`)+`-gz"`
				h.Set("Content-Encoding", "gzip")
			}
		}
	}
	h.Set("ETag", etag)
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// ServeContent answers If-None-Match with 304, HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reads Accept-Encoding headers (RFC 9110 12.5.3): gzip listed
// with a q above 0, or else * with a q above 0.
func acceptsGzip(values []string) bool {
	gzipQ, starQ := -1.0, -1.0
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "*" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				if k, val, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
					if f, err := strconv.ParseFloat(val, 64); err == nil {
						q = f
					}
				}
			}
			if coding == "gzip" {
				gzipQ = q
			} else {
				starQ = q
			}
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
