package firecrawlapi

import (
	"encoding/base64"
	"strings"

	"github.com/riptidecrawler/riptide/shared/pipeline"
)

// Document is Firecrawl's document: the formats asked for, and metadata.
// A format asked for is present even when empty ("markdown": ""); one not
// asked for is absent.
type Document struct {
	Markdown   *string   `json:"markdown,omitempty"`
	HTML       *string   `json:"html,omitempty"`
	RawHTML    *string   `json:"rawHtml,omitempty"`
	Links      []string  `json:"links,omitzero"`
	Screenshot string    `json:"screenshot,omitempty"`
	JSON       any       `json:"json,omitempty"`
	Extract    any       `json:"extract,omitempty"`
	Warning    string    `json:"warning,omitempty"`
	Metadata   *Metadata `json:"metadata"`

	warnings []string
}

// Metadata is Firecrawl's page metadata, from RipTide's extracted
// metadata (OpenGraph tags under their og* names).
type Metadata struct {
	Title         string `json:"title,omitempty"`
	Description   string `json:"description,omitempty"`
	Language      string `json:"language,omitempty"`
	Keywords      string `json:"keywords,omitempty"`
	OGTitle       string `json:"ogTitle,omitempty"`
	OGDescription string `json:"ogDescription,omitempty"`
	OGURL         string `json:"ogUrl,omitempty"`
	OGImage       string `json:"ogImage,omitempty"`
	OGSiteName    string `json:"ogSiteName,omitempty"`
	OGLocale      string `json:"ogLocale,omitempty"`
	PublishedTime string `json:"publishedTime,omitempty"`
	ModifiedTime  string `json:"modifiedTime,omitempty"`
	// SourceURL is the URL asked for; URL the final one, after redirects.
	SourceURL   string `json:"sourceURL"`
	URL         string `json:"url,omitempty"`
	StatusCode  int    `json:"statusCode"`
	ContentType string `json:"contentType,omitempty"`
	Error       string `json:"error,omitempty"`
	ProxyUsed   string `json:"proxyUsed"`
	CacheState  string `json:"cacheState,omitempty"`
	CachedAt    string `json:"cachedAt,omitempty"`
}

// documentOf shapes a pipeline result as a Firecrawl document.
func documentOf(res pipeline.Result, p scrapePlan) *Document {
	final := res.FinalURL
	if final == "" {
		final = res.URL
	}
	md := &Metadata{SourceURL: res.URL, URL: final, StatusCode: res.Status, ContentType: res.ContentType, ProxyUsed: "basic"}
	if res.FromCache {
		md.CacheState = "hit"
		if res.CachedAt != nil {
			md.CachedAt = res.CachedAt.UTC().Format("2006-01-02T15:04:05.000Z")
		}
	} else if p.maxAgeMS > 0 {
		md.CacheState = "miss"
	}
	if res.Error != nil {
		md.Error = res.Error.Message
	}
	doc := &Document{Metadata: md}
	str := func(s string) *string { return &s }
	var d pipeline.Document
	if res.Document != nil {
		d = *res.Document
	}
	if d.Document != nil {
		x := d.Document
		md.Title, md.Description, md.Language = x.Title, x.Description, x.Language
		md.Keywords = strings.Join(x.Keywords, ", ")
		og := x.OpenGraph
		md.OGTitle, md.OGDescription, md.OGURL, md.OGImage = og["og:title"], og["og:description"], og["og:url"], og["og:image"]
		md.OGSiteName, md.OGLocale = og["og:site_name"], og["og:locale"]
		md.PublishedTime, md.ModifiedTime = x.PublishedAt, x.ModifiedAt
		if p.has(fmtMarkdown) {
			doc.Markdown = str(x.Markdown)
		}
		if p.has(fmtHTML) {
			doc.HTML = str(x.HTML)
		}
		if p.has(fmtLinks) {
			doc.Links = make([]string, 0, len(x.Links))
			for _, l := range x.Links {
				doc.Links = append(doc.Links, l.URL)
			}
		}
	} else {
		for _, f := range []string{fmtMarkdown, fmtHTML} {
			if p.has(f) {
				doc.warnings = append(doc.warnings, "no "+f+": nothing was extracted from this page")
			}
		}
	}
	if p.has(fmtRawHTML) {
		doc.RawHTML = str(d.RawHTML)
	}
	for _, n := range res.Notes {
		if strings.Contains(n, "headless browser") {
			doc.warnings = append(doc.warnings, n)
		}
	}
	return doc
}

func encodeBase64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
