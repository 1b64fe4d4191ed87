// Package spidertest holds test doubles for the spider: a STAND-IN page
// crawler (one guarded fetch plus HTML link parsing) used until the real
// page pipeline (shared/pipeline) is wired in, and a generator of local
// fixture sites. Only tests and the benchmark module (bench/spider) import
// it; no shipped binary links it.
package spidertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/riptidecrawler/riptide/shared/fetch"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// ExtractFunc turns a fetched HTML body into the stored document and,
// like a real extractor working on one parse of the page, may return the
// page's links too (nil links: the crawler's own link pass runs). The
// benchmark points it at the real extractor when there is one.
type ExtractFunc func(ctx context.Context, pageURL string, body []byte) (doc json.RawMessage, links []spider.Link, err error)

// StandInCrawler is a stand-in for the page pipeline: it fetches through
// shared/fetch (SSRF guard, robots.txt, retries) and parses links with
// golang.org/x/net/html. Its document is {"url","title"} unless Extract is
// set. It is NOT the product's extraction.
type StandInCrawler struct {
	Fetcher *fetch.Fetcher
	Extract ExtractFunc
}

// CrawlPage implements spider.PageCrawler.
func (c *StandInCrawler) CrawlPage(ctx context.Context, req spider.PageRequest) (*spider.Page, error) {
	robots := req.RespectRobots
	resp, err := c.Fetcher.Fetch(ctx, fetch.Request{URL: req.URL, RespectRobots: &robots, MaxBodyBytes: req.MaxBytes, Politeness: &req.Politeness})
	if resp == nil {
		return nil, err
	}
	p := &spider.Page{URL: req.URL, FinalURL: resp.FinalURL, Status: resp.Status, ContentType: resp.ContentType,
		Bytes: resp.DecodedBytes, Truncated: resp.Truncated}
	if err != nil {
		return p, err
	}
	if !strings.Contains(p.ContentType, "html") {
		return p, nil
	}
	sum := sha256.Sum256(resp.Body)
	p.ContentHash = hex.EncodeToString(sum[:])
	if c.Extract != nil && !req.LinksOnly {
		doc, links, err := c.Extract(ctx, resp.FinalURL, resp.Body)
		if err != nil {
			return p, err
		}
		p.Document = doc
		if links != nil {
			p.Links = links
			return p, nil
		}
		p.Links, _ = ParseLinks(resp.FinalURL, resp.Body)
		return p, nil
	}
	var title string
	p.Links, title = ParseLinks(resp.FinalURL, resp.Body)
	if !req.LinksOnly {
		p.Document, _ = json.Marshal(map[string]string{"url": resp.FinalURL, "title": title})
	}
	return p, nil
}

// ParseLinks returns the <a href> links of an HTML page, resolved against
// its URL and <base href>, with anchor text and rel=nofollow, and the
// page title. It uses the tokenizer (no tree), as a crawler's link pass
// would.
func ParseLinks(pageURL string, body []byte) ([]spider.Link, string) {
	base, err := url.Parse(pageURL)
	if err != nil {
		return nil, ""
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	var links []spider.Link
	var title strings.Builder
	var text *strings.Builder
	inTitle := false
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if text != nil {
				links[len(links)-1].Text = strings.Join(strings.Fields(text.String()), " ")
			}
			return links, strings.TrimSpace(title.String())
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				inTitle = tt == html.StartTagToken
			case atom.Base:
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						if b, err := base.Parse(strings.TrimSpace(string(v))); err == nil {
							base = b
						}
					}
				}
			case atom.A:
				var href, rel string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "href":
						href = string(v)
					case "rel":
						rel = strings.ToLower(string(v))
					}
				}
				href = strings.TrimSpace(href)
				if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(href, "javascript:") || strings.HasPrefix(href, "mailto:") {
					continue
				}
				u, err := base.Parse(href)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
					continue
				}
				if text != nil {
					links[len(links)-1].Text = strings.Join(strings.Fields(text.String()), " ")
				}
				links = append(links, spider.Link{URL: u.String(), NoFollow: strings.Contains(rel, "nofollow")})
				text = &strings.Builder{}
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				inTitle = false
			case atom.A:
				if text != nil {
					links[len(links)-1].Text = strings.Join(strings.Fields(text.String()), " ")
					text = nil
				}
			}
		case html.TextToken:
			if inTitle {
				title.Write(z.Text())
			} else if text != nil {
				text.Write(z.Text())
			}
		}
	}
}
