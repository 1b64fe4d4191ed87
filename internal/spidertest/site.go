package spidertest

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
)

// SiteConfig describes a generated fixture site. Pages are /p/<n>.html,
// n in [0, Pages); page 0 is also served at /.
type SiteConfig struct {
	Pages              int
	MinBytes, MaxBytes int // page size range (default 2–4 KB)
	MinLinks, MaxLinks int // internal links per page (default 3–8)
	// DupParamEvery adds, on every n-th page, links to the same pages with
	// tracking or session query parameters (?utm_source=, ?sid=): the same
	// content under other URLs. 0: none.
	DupParamEvery int
	// ExternalLinks adds this many links per page to another host.
	ExternalLinks int
	Robots        string // robots.txt body; empty: 404
	// Sitemap serves /sitemap.xml (gzip at /sitemap-pages.xml.gz, through
	// an index) listing every page.
	Sitemap bool
	Seed    uint64
	// Delay, if set, is added to each page response.
	Hook func(r *http.Request) // called for every request (counting, delays)
}

// Site is a generated site; it implements http.Handler.
type Site struct {
	cfg   SiteConfig
	pages [][]byte
	links [][]int
	hits  atomic.Int64
	Host  string // set by the caller once the server listens ("127.0.0.1:port"), for absolute sitemap URLs
}

var words = strings.Fields(`river tide current ocean wave harbour crawler spider index page archive
	report market policy science travel garden music history kitchen review guide story city mountain
	forest engine signal network library museum season weather energy design future culture`)

// NewSite generates the pages of a site (deterministic for a seed).
func NewSite(cfg SiteConfig) *Site {
	if cfg.MinBytes == 0 {
		cfg.MinBytes, cfg.MaxBytes = 2000, 4000
	}
	if cfg.MinLinks == 0 {
		cfg.MinLinks, cfg.MaxLinks = 3, 8
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 7))
	s := &Site{cfg: cfg, pages: make([][]byte, cfg.Pages), links: make([][]int, cfg.Pages)}
	for i := range cfg.Pages {
		n := cfg.MinLinks + rng.IntN(cfg.MaxLinks-cfg.MinLinks+1)
		// The next page is always linked, so every page is reachable.
		targets := []int{(i + 1) % cfg.Pages}
		for len(targets) < n {
			targets = append(targets, rng.IntN(cfg.Pages))
		}
		s.links[i] = targets
		s.pages[i] = s.render(i, targets, rng)
	}
	return s
}

// Links returns the page numbers page i links to.
func (s *Site) Links(i int) []int { return s.links[i] }

// Hits counts requests served.
func (s *Site) Hits() int64 { return s.hits.Load() }

func (s *Site) render(i int, targets []int, rng *rand.Rand) []byte {
	var b bytes.Buffer
	title := words[i%len(words)] + " " + words[(i/len(words))%len(words)]
	fmt.Fprintf(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Page %d: %s</title>\n", i, title)
	b.WriteString(`<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/static/site.css">` + "\n")
	b.WriteString(`<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}</script></head>` + "\n")
	b.WriteString(`<body><header class="site-header"><nav class="menu"><ul>`)
	for j := 0; j < 5 && j < s.cfg.Pages; j++ {
		fmt.Fprintf(&b, `<li><a class="nav" href="/p/%d.html">Section %d</a></li>`, j, j)
	}
	b.WriteString("</ul></nav></header>\n<main><article>\n")
	fmt.Fprintf(&b, "<h1>%s</h1>\n<p class=\"byline\">By Staff Writer &middot; <time datetime=\"2026-01-%02d\">January %d</time></p>\n", title, i%28+1, i%28+1)
	size := s.cfg.MinBytes + rng.IntN(s.cfg.MaxBytes-s.cfg.MinBytes+1)
	li := 0
	for b.Len() < size {
		b.WriteString("<p>")
		for range 40 + rng.IntN(40) {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		if li < len(targets) {
			t := targets[li]
			fmt.Fprintf(&b, `see <a href="/p/%d.html">the %s story</a>. `, t, words[t%len(words)])
			li++
		}
		b.WriteString("</p>\n")
	}
	b.WriteString("<ul class=\"related\">")
	for ; li < len(targets); li++ {
		fmt.Fprintf(&b, `<li><a href="/p/%d.html">%s</a></li>`, targets[li], words[targets[li]%len(words)])
	}
	if s.cfg.DupParamEvery > 0 && i%s.cfg.DupParamEvery == 0 {
		t := targets[0]
		fmt.Fprintf(&b, `<li><a href="/p/%d.html?utm_source=newsletter&utm_medium=email">again</a></li>`, t)
		fmt.Fprintf(&b, `<li><a href="/p/%d.html?sid=%d">session link</a></li>`, t, i)
	}
	for j := range s.cfg.ExternalLinks {
		fmt.Fprintf(&b, `<li><a href="http://127.0.0.2:9/x/%d">elsewhere</a></li>`, j)
	}
	b.WriteString("</ul>\n</article></main>\n<footer><p>&copy; 2026 Fixture Site</p></footer></body></html>\n")
	return b.Bytes()
}

// ServeHTTP serves pages, robots.txt and sitemaps.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.hits.Add(1)
	if s.cfg.Hook != nil {
		s.cfg.Hook(r)
	}
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		if s.cfg.Robots == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(s.cfg.Robots))
		return
	case p == "/sitemap.xml" && s.cfg.Sitemap:
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+
			`<sitemap><loc>http://%s/sitemap-pages.xml.gz</loc></sitemap></sitemapindex>`, r.Host)
		return
	case p == "/sitemap-pages.xml.gz" && s.cfg.Sitemap:
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		fmt.Fprint(zw, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for i := range s.cfg.Pages {
			fmt.Fprintf(zw, "<url><loc>http://%s/p/%d.html</loc><lastmod>2026-%02d-01</lastmod></url>", r.Host, i, i%12+1)
		}
		fmt.Fprint(zw, "</urlset>")
		zw.Close()
		w.Header().Set("Content-Type", "application/gzip")
		w.Write(buf.Bytes())
		return
	case p == "/":
		p = "/p/0.html"
	}
	num, ok := strings.CutPrefix(p, "/p/")
	num, ok2 := strings.CutSuffix(num, ".html")
	n, err := strconv.Atoi(num)
	if !ok || !ok2 || err != nil || n < 0 || n >= s.cfg.Pages {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(s.pages[n])
}
