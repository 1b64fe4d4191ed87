// Package playground serves the web playground (the Vite build in dist/,
// built from src/ by `make playground` and committed, so that building
// the server needs neither npm nor Node) beside the API of `riptide
// serve`: GET / is the app, /assets/ its files; every other request goes
// to the API.
package playground

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
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
}

// Site is the playground's files, read from the embedded build once.
type Site struct {
	index  file
	assets map[string]file
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
	s := &Site{assets: map[string]file{}}
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
		f := file{body: b, ctype: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
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
	if s.index.body == nil {
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

func (s *Site) serve(w http.ResponseWriter, r *http.Request, f file, cache string) {
	h := w.Header()
	h.Set("Content-Type", f.ctype)
	h.Set("Cache-Control", cache)
	h.Set("ETag", f.etag)
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	// ServeContent answers If-None-Match with 304, HEAD and ranges.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}
