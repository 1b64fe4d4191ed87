package tablesapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/tables"
)

// Page is the JSON export: a page of rows as objects keyed by header,
// values typed by column.
type Page struct {
	ID        string            `json:"id"`
	Caption   string            `json:"caption,omitempty"`
	Columns   []tables.Column   `json:"columns"`
	TotalRows int               `json:"total_rows"`
	Offset    int               `json:"offset"`
	Limit     int               `json:"limit"`
	Rows      []json.RawMessage `json:"rows"`
	NextPage  string            `json:"next_page,omitempty"`
}

// export serves GET /api/v1/tables/{id}/export?format=csv|markdown|json|ndjson
// with offset, limit and (CSV) include_headers.
func (d Deps) export(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	q := r.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if !slices.Contains(formats, format) {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "format: must be one of %s", strings.Join(formats, ", ")).
			WithDetails(core.Detail{Field: "format", Message: "unknown format"}))
		return
	}
	withHeader := true
	if v := q.Get("include_headers"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "include_headers: must be true or false").
				WithDetails(core.Detail{Field: "include_headers", Message: "invalid"}))
			return
		}
		withHeader = b
	}
	defLimit := MaxRowsAll
	if format == "json" {
		defLimit = DefaultPageRows
	}
	offset, err := queryInt(r, "offset", 0, 1<<30)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	limit, err := queryInt(r, "limit", defLimit, max(defLimit, MaxPageRows))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if format == "json" && limit > MaxPageRows {
		limit = MaxPageRows
	}
	t, err := d.load(r.Context(), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	total := len(t.Rows)
	lo, hi := min(offset, total), min(offset+limit, total)
	page := *t
	page.Rows = t.Rows[lo:hi]
	ext := map[string]string{"csv": "csv", "markdown": "md", "json": "json", "ndjson": "ndjson"}[format]
	h := w.Header()
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="table_%s.%s"`, id, ext))
	h.Set("X-Total-Rows", strconv.Itoa(total))
	var buf bytes.Buffer
	switch format {
	case "csv":
		contentType := "text/csv; charset=utf-8; header=present"
		if !withHeader {
			contentType = "text/csv; charset=utf-8; header=absent"
		}
		h.Set("Content-Type", contentType)
		if err := tables.WriteCSV(&buf, &page, withHeader); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
	case "markdown":
		h.Set("Content-Type", "text/markdown; charset=utf-8")
		buf.WriteString(tables.Markdown(&page))
	case "ndjson":
		// A data export, one row object per line (not an event stream:
		// rows carry no "type").
		h.Set("Content-Type", "application/x-ndjson")
		bw := bufio.NewWriter(&buf)
		for _, row := range page.Rows {
			bw.Write(tables.RecordJSON(&page, row))
			bw.WriteByte('\n')
		}
		bw.Flush()
	case "json":
		p := Page{ID: id, Caption: t.Caption, Columns: t.Columns, TotalRows: total, Offset: lo, Limit: limit, Rows: make([]json.RawMessage, 0, hi-lo)}
		for _, row := range page.Rows {
			p.Rows = append(p.Rows, tables.RecordJSON(&page, row))
		}
		if hi < total {
			p.NextPage = exportURL(id, "json") + fmt.Sprintf("&offset=%d&limit=%d", hi, limit)
		}
		httpx.WriteJSON(w, http.StatusOK, p)
		return
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}

// MaxRowsAll: CSV, Markdown and NDJSON export every row unless limited.
const MaxRowsAll = 1 << 30
