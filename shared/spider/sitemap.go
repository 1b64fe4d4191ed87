package spider

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/fetch"
)

// SitemapEntry is one <url> of a urlset, or one <sitemap> of an index.
type SitemapEntry struct {
	Loc     string
	LastMod time.Time // zero when absent or unparsable
}

// Sitemap is a parsed sitemap file.
type Sitemap struct {
	// Index is true for a <sitemapindex>: Entries are sitemap files.
	Index   bool
	Entries []SitemapEntry
}

// maxSitemapBytes bounds a sitemap file after decompression (the protocol
// allows 50 MiB).
const maxSitemapBytes = 50 << 20

// ParseSitemap reads a sitemap (urlset or sitemapindex, sitemaps.org 0.9),
// gzip-compressed or not. Unknown elements are ignored; at most max entries
// are kept.
func ParseSitemap(body []byte, max int) (*Sitemap, error) {
	if len(body) > 2 && body[0] == 0x1f && body[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(io.LimitReader(zr, maxSitemapBytes+1))
		if err != nil {
			return nil, err
		}
		if len(raw) > maxSitemapBytes {
			return nil, errors.New("sitemap larger than 50 MiB once decompressed")
		}
		body = raw
	}
	dec := xml.NewDecoder(bytes.NewReader(body))
	dec.Strict = false
	sm := &Sitemap{}
	var cur *SitemapEntry
	var field string
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if root == "" {
				return nil, err
			}
			break // keep what was read from a truncated file
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			switch {
			case root == "":
				if name != "urlset" && name != "sitemapindex" {
					return nil, errors.New("not a sitemap: root element <" + t.Name.Local + ">")
				}
				root = name
				sm.Index = name == "sitemapindex"
			case name == "url" || name == "sitemap":
				cur = &SitemapEntry{}
			case cur != nil && (name == "loc" || name == "lastmod"):
				field = name
			}
		case xml.CharData:
			if cur == nil || field == "" {
				continue
			}
			v := strings.TrimSpace(string(t))
			if field == "loc" {
				cur.Loc += v
			} else {
				cur.LastMod = parseLastMod(v)
			}
		case xml.EndElement:
			name := strings.ToLower(t.Name.Local)
			switch {
			case name == "loc" || name == "lastmod":
				field = ""
			case (name == "url" || name == "sitemap") && cur != nil:
				if cur.Loc != "" && len(sm.Entries) < max {
					sm.Entries = append(sm.Entries, *cur)
				}
				cur = nil
			}
		}
	}
	if root == "" {
		return nil, errors.New("not a sitemap: no root element")
	}
	return sm, nil
}

// parseLastMod reads a W3C datetime (the forms sitemaps use).
func parseLastMod(v string) time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

// SitemapURL is a page URL found in a site's sitemaps.
type SitemapURL struct {
	URL     string
	LastMod time.Time
	Sitemap string // the sitemap file it came from
}

// ReadSitemaps collects page URLs from the sitemaps of the given origins
// (scheme://host): the Sitemap lines of each robots.txt and /sitemap.xml,
// following sitemap indexes (three levels). It fetches at most maxFiles
// files and returns at most maxURLs URLs; unreachable or invalid files are
// skipped (sitemaps are a hint, never a reason to fail a crawl).
func ReadSitemaps(ctx context.Context, site SiteFetcher, origins []string, respectRobots bool, maxFiles, maxURLs int) []SitemapURL {
	type file struct {
		url   string
		level int
	}
	var queue []file
	queued := map[string]bool{}
	add := func(u string, level int) {
		if !queued[u] {
			queued[u] = true
			queue = append(queue, file{u, level})
		}
	}
	for _, o := range origins {
		if info, err := site.Robots(ctx, o+"/"); err == nil {
			for _, s := range info.Sitemaps {
				add(s, 0)
			}
		}
		add(o+"/sitemap.xml", 0)
	}
	var out []SitemapURL
	fetched := 0
	for len(queue) > 0 && fetched < maxFiles && len(out) < maxURLs && ctx.Err() == nil {
		f := queue[0]
		queue = queue[1:]
		fetched++
		resp, err := site.Fetch(ctx, fetch.Request{URL: f.url, RespectRobots: &respectRobots, MaxBodyBytes: maxSitemapBytes})
		if err != nil || resp.Truncated {
			continue
		}
		sm, err := ParseSitemap(resp.Body, maxURLs-len(out))
		if err != nil {
			continue
		}
		for _, en := range sm.Entries {
			loc, err := url.Parse(en.Loc)
			if err != nil {
				continue
			}
			base, _ := url.Parse(resp.FinalURL)
			abs := base.ResolveReference(loc).String()
			if sm.Index {
				if f.level < 3 {
					add(abs, f.level+1)
				}
				continue
			}
			out = append(out, SitemapURL{URL: abs, LastMod: en.LastMod, Sitemap: f.url})
		}
	}
	return out
}

// origins returns the distinct scheme://host of URLs.
func origins(urls []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range urls {
		u, err := url.Parse(s)
		if err != nil {
			continue
		}
		o := u.Scheme + "://" + u.Host
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

// discoverSitemaps turns the seeds' sitemaps into frontier entries at
// depth 0, scope and lastmod rules applied.
func (e *Engine) discoverSitemaps(ctx context.Context, r *run) []FoundLink {
	found := ReadSitemaps(ctx, e.site, origins(r.seeds), r.opts.Robots(), e.cfg.SitemapMaxFiles, e.cfg.SitemapMaxURLs)
	norm := r.opts.normalizer()
	out := make([]FoundLink, 0, len(found))
	for _, f := range found {
		c, err := norm.Normalize(f.URL)
		if err != nil {
			continue
		}
		cu, _ := url.Parse(c)
		fl := FoundLink{URL: c}
		if why := r.scope.check(cu, false); why != "" {
			fl.Kind, fl.Reason = LinkSkip, why
		} else if since := r.opts.SitemapModifiedSince; since != nil && !f.LastMod.IsZero() && f.LastMod.Before(*since) {
			fl.Kind, fl.Reason = LinkSkip, SkipSitemapOld
		} else {
			fl.Kind, fl.Referrer = LinkQueue, f.Sitemap
			fl.Priority = r.priority(Link{URL: c}, 0)
		}
		out = append(out, fl)
	}
	return out
}
