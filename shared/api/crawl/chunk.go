package crawlapi

import (
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// ChunkRequest is the body of POST /api/v1/content/chunk: the text (plain
// or markdown) and the chunking options, inline.
type ChunkRequest struct {
	Text string `json:"text"`
	chunk.Options
}

// chunkText serves POST /api/v1/content/chunk.
func (d Deps) chunkText(w http.ResponseWriter, r *http.Request) {
	var req ChunkRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if strings.TrimSpace(req.Text) == "" {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "text: required").WithDetails(core.Detail{Field: "text", Message: "required"}))
		return
	}
	opts := req.Options.WithDefaults()
	if err := opts.Validate("options"); err != nil {
		// The options are top-level fields of this body: name them so.
		e := core.AsError(err)
		for i := range e.Details {
			e.Details[i].Field = strings.TrimPrefix(e.Details[i].Field, "options.")
		}
		httpx.WriteError(w, r, core.Errorf(e.Type, "%s", strings.TrimPrefix(e.Message, "options.")).WithDetails(e.Details...))
		return
	}
	res, err := chunk.Split(r.Context(), req.Text, opts)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}
