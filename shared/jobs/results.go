package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
)

// Result pages live in the blob store (under "results/" of the process's
// store: S3 in AWS, a folder or memory locally) as NDJSON, one page per
// chunk of work, named <job id>/<page>.ndjson.
const (
	// PageItems is the most items an executor puts in one page.
	PageItems = 100
	// LinkTTL is how long a presigned result link lives.
	LinkTTL = time.Hour
)

// ResultWriter writes a job's result pages.
type ResultWriter struct {
	store blob.Store
	jobID string
}

// NewResultWriter writes the pages of job id into store.
func NewResultWriter(store blob.Store, id string) *ResultWriter {
	return &ResultWriter{store: store, jobID: id}
}

func pageKey(jobID string, page int) string { return fmt.Sprintf("%s/%05d.ndjson", jobID, page) }

// WritePage stores page number page (from 0) with items, replacing an
// earlier write of the same page (a resumed chunk). It returns its size.
func (w *ResultWriter) WritePage(ctx context.Context, page int, items []json.RawMessage) (int, error) {
	var b bytes.Buffer
	for _, it := range items {
		b.Write(bytes.TrimSpace(it))
		b.WriteByte('\n')
	}
	if err := w.store.Put(ctx, pageKey(w.jobID, page), "application/x-ndjson", b.Bytes()); err != nil {
		return 0, core.Wrap(core.ErrDependency, err, "store job results")
	}
	return b.Len(), nil
}

// ResultPage is one page of a job's result as the API serves it.
type ResultPage struct {
	Page       int               `json:"page"`
	Pages      int               `json:"pages"`
	NextCursor string            `json:"next_cursor,omitempty"`
	Items      []json.RawMessage `json:"items,omitempty"`
	// URL is a presigned link to the page's NDJSON (S3), instead of
	// items, unless the caller asked for them inline.
	URL          string     `json:"url,omitempty"`
	URLExpiresAt *time.Time `json:"url_expires_at,omitempty"`
	Bytes        int64      `json:"bytes"`
}

// readPage reads page n of job id: inline items, or a link when the store
// can make one and inline is false.
func readPage(ctx context.Context, store blob.Store, j *Job, n int, inline bool, now time.Time) (*ResultPage, error) {
	pages := 0
	if j.Result != nil {
		pages = j.Result.Pages
	}
	if n < 0 || n >= max(pages, 1) {
		return nil, core.Errorf(core.ErrValidation, "cursor: page %d does not exist (the result has %d pages)", n, pages)
	}
	out := &ResultPage{Page: n, Pages: pages, Items: []json.RawMessage{}}
	if n+1 < pages {
		out.NextCursor = fmt.Sprint(n + 1)
	}
	if pages == 0 {
		return out, nil
	}
	key := pageKey(j.ID, n)
	if l, ok := store.(blob.Linker); ok && !inline {
		u, err := l.DownloadLink(ctx, key, LinkTTL)
		if err != nil {
			return nil, core.Wrap(core.ErrDependency, err, "link job results")
		}
		exp := now.Add(LinkTTL).UTC()
		out.URL, out.URLExpiresAt, out.Items = u, &exp, nil
		return out, nil
	}
	data, obj, err := store.Get(ctx, key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, core.Errorf(core.ErrNotFound, "result page %d of job %s is gone (results expire)", n, j.ID)
	}
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "read job results")
	}
	out.Bytes = obj.Size
	for _, line := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(line)) > 0 {
			out.Items = append(out.Items, json.RawMessage(line))
		}
	}
	return out, nil
}
