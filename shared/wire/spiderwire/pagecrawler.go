package spiderwire

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"unsafe"

	"github.com/riptidecrawler/riptide/shared/bufpool"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/spider"
)

// PipelineCrawler crawls spider pages through the crawl pipeline: the same
// one fetch, SSRF guard, robots.txt, challenge detection, gate, rendering
// and extraction as /api/v1/crawl.
type PipelineCrawler struct {
	Pipeline *pipeline.Pipeline
}

// CrawlPage implements spider.PageCrawler.
func (c PipelineCrawler) CrawlPage(ctx context.Context, req spider.PageRequest) (*spider.Page, error) {
	respect := req.RespectRobots
	opts := pipeline.Options{
		// A spider run reports the site as it is now.
		CacheMode:     pipeline.CacheBypass,
		RespectRobots: &respect,
		MaxBodyBytes:  req.MaxBytes,
		Politeness:    &req.Politeness,
		Formats:       []pipeline.Format{pipeline.FormatMarkdown, pipeline.FormatMetadata, pipeline.FormatLinks},
		Extraction:    req.Extraction,
		Chunking:      req.Chunking,
	}
	if req.LinksOnly {
		opts.Formats = []pipeline.Format{pipeline.FormatLinks}
		opts.RenderMode = pipeline.RenderRaw
	}
	opts = opts.WithDefaults()
	if !req.LinksOnly {
		// The spec was compiled when the run started; compiling again per
		// page (the registry caches WASM modules) keeps runs resumable by
		// any instance without shipping compiled plans around.
		if err := c.Pipeline.PrepareStructured(&opts, "options"); err != nil {
			return &spider.Page{URL: req.URL}, core.AsError(err)
		}
	} else {
		opts.Extraction, opts.Chunking = nil, nil
	}
	r := c.Pipeline.Crawl(ctx, req.URL, opts)
	page := &spider.Page{URL: req.URL, FinalURL: r.FinalURL, Status: r.Status, ContentType: r.ContentType,
		Bytes: r.BodyBytes, Truncated: r.Truncated}
	if r.Error != nil {
		return page, &core.Error{Type: r.Error.Type, Message: r.Error.Message, Permanent: !r.Error.Retryable}
	}
	if d := r.Document; d != nil && d.Document != nil {
		for _, l := range d.Links {
			page.Links = append(page.Links, spider.Link{URL: l.URL, Text: l.Text, NoFollow: slices.Contains(l.Rel, "nofollow")})
		}
		if !req.LinksOnly {
			// Hashed in place: []byte(d.Markdown) copied 50-200 KB a page.
			sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(d.Markdown), len(d.Markdown)))
			page.ContentHash = hex.EncodeToString(sum[:16])
			pooled := documentBuffers.Get()
			buf := bytes.NewBuffer(*pooled)
			err := json.NewEncoder(buf).Encode(d)
			*pooled = buf.Bytes() // the grown buffer, for the next page
			if err != nil {
				documentBuffers.Put(pooled)
				return page, core.Wrap(core.ErrInternal, err, "encode document")
			}
			page.Document = bytes.TrimSuffix(*pooled, []byte("\n")) // Encode ends with a newline
			page.Release = func() { documentBuffers.Put(pooled) }
			if r.Extraction != nil {
				if page.Extraction, err = json.Marshal(r.Extraction); err != nil {
					return page, core.Wrap(core.ErrInternal, err, "encode extraction")
				}
			}
			if r.Chunking != nil {
				if page.Chunking, err = json.Marshal(r.Chunking); err != nil {
					return page, core.Wrap(core.ErrInternal, err, "encode chunking")
				}
			}
		}
	}
	return page, nil
}

// documentBuffers holds the buffers documents are encoded into. The spider
// copies a document into its result record and then releases the page
// (spider.Page.Release), so one buffer serves page after page instead of
// json.Marshal allocating the document's size (20-300 KB) each time: an
// eighth of what a spider run on Redis allocated, and the collector's work
// with it.
var documentBuffers = bufpool.New(1 << 20)
