// Package extract turns an HTML page into its main content (plain text,
// markdown, clean HTML), metadata, links and media, and decides whether the
// page needs a headless browser. The page is parsed once; every output and
// the gate decision are derived from that one tree.
//
// The package is a pure engine: no network, no storage. Input must be UTF-8
// (the fetch layer converts charsets).
package extract

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"golang.org/x/net/html"

	"github.com/riptidecrawler/riptide/shared/core"
)

// Options selects the outputs of Extract. The zero value produces
// everything; the Skip fields exist for callers that need less and want the
// time back.
type Options struct {
	// SkipText leaves Document.Text empty; WordCount and ReadingTimeMS
	// are still counted (the same count), without rendering the text.
	SkipText     bool `json:"skip_text,omitempty"`
	SkipMarkdown bool `json:"skip_markdown,omitempty"`
	SkipHTML     bool `json:"skip_html,omitempty"`
	SkipLinks    bool `json:"skip_links,omitempty"`
	SkipMedia    bool `json:"skip_media,omitempty"`
	// MaxBytes rejects larger inputs with a payload_too_large error; 0
	// means DefaultMaxBytes.
	MaxBytes int `json:"max_bytes,omitempty"`
	// Logger receives debug logs; nil means slog.Default().
	Logger *slog.Logger `json:"-"`
}

// wordsPerMinute is the mean silent reading rate for non-fiction (Brysbaert
// 2019), the basis of ReadingTimeMS.
const wordsPerMinute = 238

// MaxNesting is how deep elements may nest: golang.org/x/net/html refuses
// deeper documents.
const MaxNesting = 512

// DefaultMaxBytes is the input size limit when Options.MaxBytes is 0. It is
// above what a Lambda can receive in one payload (6 MB).
const DefaultMaxBytes = 16 << 20

// Page is a parsed HTML page: the single parse that the gate, the
// extractor and any other engine reading the page share. Gate caches its
// verdict in it and Extract keeps per-call selection state in it (reset on
// entry), so a Page must not be used by two goroutines at once.
type Page struct {
	URL  *url.URL // the page URL as given (nil when none was)
	Base *url.URL // what relative links resolve against: <base href>, else URL
	tree *tree
	size int
	gate *GateResult // computed on first use
}

// Parse parses an HTML page. pageURL may be empty (links then stay
// relative). The HTML parser accepts any malformed markup; an error means
// the input was too large (payload_too_large), the context was done, or
// elements nest more than 512 deep, the limit of golang.org/x/net/html
// (extraction_error).
func Parse(ctx context.Context, htmlBytes []byte, pageURL string, maxBytes int) (*Page, error) {
	if err := ctx.Err(); err != nil {
		return nil, core.Wrap(core.ErrTimeout, err, "extract: parse")
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if len(htmlBytes) > maxBytes {
		return nil, core.Errorf(core.ErrPayloadTooLarge, "extract: page is %d bytes, limit %d", len(htmlBytes), maxBytes)
	}
	// Scripting off, as in a browser with JavaScript disabled: <noscript>
	// content is parsed as markup (forum software and server-rendered
	// fallbacks put the whole page there) instead of one raw text node
	// whose tags could reach the text.
	doc, err := html.ParseWithOptions(bytes.NewReader(htmlBytes), html.ParseOptionEnableScripting(false))
	if err != nil {
		if strings.Contains(err.Error(), "open stack of elements exceeds") {
			return nil, core.Wrap(core.ErrExtraction, err, fmt.Sprintf("extract: the page nests HTML elements more than %d deep, "+
				"the fixed limit of the HTML parser (golang.org/x/net/html), so it cannot be extracted. Markup this deep is broken or hostile: "+
				"check that the URL serves the page you expect, or flatten the nesting before sending the HTML to POST /api/v1/extract", MaxNesting))
		}
		return nil, core.Wrap(core.ErrExtraction, err, "extract: parse html")
	}
	p := &Page{tree: buildTree(doc), size: len(htmlBytes)}
	p.tree.classify()
	p.tree.unflagWrappers()
	p.tree.measure()
	p.tree.unflagProse()
	for _, n := range p.tree.nodes {
		n.boilerInit = n.boiler
	}
	if pageURL != "" {
		if u, err := url.Parse(strings.TrimSpace(pageURL)); err == nil {
			p.URL = u
		}
	}
	p.Base = baseURL(p.tree, p.URL)
	return p, nil
}

// Release hands the page's working memory back for the next Parse. The
// page must not be used afterwards (its methods panic); the Documents it
// produced and the tree Node returned stay valid. Calling it is optional:
// a crawler that extracts page after page saves about a sixth of what it
// allocates.
func (p *Page) Release() {
	if p == nil || p.tree == nil {
		return
	}
	p.tree.release()
	p.tree = nil
}

// Node returns the parsed document for engines that work on the same parse
// (strategies, tables). It must be treated as read-only. The page was
// parsed with scripting off, so <noscript> content is markup here too.
func (p *Page) Node() *html.Node { return p.tree.root.h }

// FromHTML parses a page and extracts its content in one call.
func FromHTML(ctx context.Context, htmlBytes []byte, pageURL string, opts Options) (*Document, error) {
	p, err := Parse(ctx, htmlBytes, pageURL, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	return p.Extract(ctx, opts)
}

// Extract derives the Document from the parsed page.
func (p *Page) Extract(ctx context.Context, opts Options) (*Document, error) {
	if err := ctx.Err(); err != nil {
		return nil, core.Wrap(core.ErrTimeout, err, "extract")
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	t := p.tree
	t.resetSelection()
	sel := t.choose()
	d := &Document{ExtractionMethod: sel.method}
	if p.URL != nil {
		d.URL = p.URL.String()
	}
	if opts.SkipText {
		d.WordCount = countTextWords(sel.root, sel.keep)
	} else {
		d.Text = renderText(sel.root, sel.keep)
		d.WordCount = countWords(d.Text)
	}
	d.ReadingTimeMS = int64(d.WordCount) * 60_000 / wordsPerMinute
	if !opts.SkipMarkdown {
		d.Markdown = renderMarkdown(sel.root, p.Base, sel.keep)
	}
	if !opts.SkipHTML {
		d.HTML = renderCleanHTML(sel.root, p.Base, sel.keep)
	}
	t.collectMetadata(p.Base).fill(d, p.Base)
	if !opts.SkipLinks || !opts.SkipMedia {
		markOutput(sel)
	}
	if !opts.SkipLinks {
		d.Links = t.collectLinks(p.Base)
	}
	if !opts.SkipMedia {
		d.Media = t.collectMedia(p.Base)
	}
	d.Quality = assessQuality(d, sel, t, p.Gate())
	log.DebugContext(ctx, "extract: content selected", "method", sel.method, "tag", sel.root.name,
		"class", sel.root.attr("class"), "value", sel.root.value, "words", d.WordCount)
	return d, nil
}

// baseURL applies the first <base href> of the document. It is looked for
// anywhere, not only in <head>: with scripting off a tracking pixel in a
// head <noscript> starts the body early, and later head elements land there.
func baseURL(t *tree, base *url.URL) *url.URL {
	if t.base == nil {
		return base
	}
	if href := strings.TrimSpace(t.base.attr("href")); href != "" {
		if u, err := url.Parse(href); err == nil {
			if base != nil {
				u = base.ResolveReference(u)
			}
			if u.IsAbs() {
				return u
			}
		}
	}
	return base
}
