// Package strategiesapi serves the strategies endpoint group: structured
// extraction of one page with a strategy or a chain
// (POST /api/v1/strategies/crawl), the catalogue of strategies and
// chunking modes (GET /api/v1/strategies/info), and the WASM modules the
// wasm strategy runs (POST/GET/DELETE /api/v1/strategies/modules).
package strategiesapi

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/riptidecrawler/riptide/shared/chunk"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/strategy"
	"github.com/riptidecrawler/riptide/shared/urlnorm"
	"github.com/riptidecrawler/riptide/shared/wasm"
)

// Modules stores and checks WASM modules (wasm.Engine implements it).
type Modules interface {
	Register(ctx context.Context, b []byte) (wasm.ModuleInfo, error)
	List(ctx context.Context) ([]wasm.ModuleInfo, error)
	Info(ctx context.Context, id string) (wasm.ModuleInfo, error)
	Delete(ctx context.Context, id string) error
}

// Deps are what the group needs. Pipeline.Strategies should be Registry
// (the wiring sets both from one registry).
type Deps struct {
	Pipeline *pipeline.Pipeline
	Registry *strategy.Registry
	// Modules is nil where WASM modules are not offered: the module
	// routes then answer not_implemented.
	Modules Modules
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"strategies.crawl":            http.HandlerFunc(d.crawl),
		"strategies.info":             http.HandlerFunc(d.info),
		"strategies.modules.register": http.HandlerFunc(d.register),
		"strategies.modules.list":     http.HandlerFunc(d.list),
		"strategies.modules.get":      http.HandlerFunc(d.get),
		"strategies.modules.delete":   http.HandlerFunc(d.delete),
	}
}

// CrawlRequest is the body of POST /api/v1/strategies/crawl: a URL to
// crawl (fetch, gate, render when needed) or raw HTML, what to extract
// (default: the article strategy) and optionally how to chunk.
type CrawlRequest struct {
	URL        string            `json:"url,omitempty"`
	HTML       *string           `json:"html,omitempty"`
	Extraction *strategy.Spec    `json:"extraction,omitempty"`
	Chunking   *chunk.Options    `json:"chunking,omitempty"`
	Options    *pipeline.Options `json:"options,omitempty"`
}

func (d Deps) crawl(w http.ResponseWriter, r *http.Request) {
	var req CrawlRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	opts, err := d.prepare(&req)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	var res pipeline.Result
	if req.HTML != nil {
		res = d.Pipeline.ExtractHTML(r.Context(), []byte(*req.HTML), req.URL, opts)
	} else {
		res = d.Pipeline.Crawl(r.Context(), req.URL, opts)
	}
	if res.Error != nil {
		httpx.WriteError(w, r, &core.Error{Type: res.Error.Type, Message: res.Error.Message, Permanent: !res.Error.Retryable})
		return
	}
	httpx.WriteJSON(w, http.StatusOK, res)
}

// prepare validates the request and returns the pipeline options.
func (d Deps) prepare(req *CrawlRequest) (pipeline.Options, error) {
	var opts pipeline.Options
	if req.Options != nil {
		opts = *req.Options
	}
	if opts.Extraction != nil || opts.Chunking != nil {
		return opts, core.Errorf(core.ErrValidation, "give extraction and chunking at the top level of this request, not in options")
	}
	if req.HTML == nil && req.URL == "" {
		return opts, core.Errorf(core.ErrValidation, "url or html is required").WithDetails(core.Detail{Field: "url", Message: "required without html"})
	}
	if req.URL != "" {
		if _, err := urlnorm.Validate(req.URL); err != nil {
			m := core.AsError(err).Message
			return opts, core.Errorf(core.ErrInvalidURL, "url: %s", m).WithDetails(core.Detail{Field: "url", Message: m})
		}
	}
	if req.HTML != nil && strings.TrimSpace(*req.HTML) == "" {
		return opts, core.Errorf(core.ErrValidation, "html: must not be empty")
	}
	if opts.Concurrency != 0 {
		return opts, core.Errorf(core.ErrValidation, "options.concurrency does not apply to a single URL")
	}
	opts.Extraction = req.Extraction
	if opts.Extraction == nil {
		opts.Extraction = &strategy.Spec{Strategy: strategy.DefaultStrategy}
	}
	opts.Chunking = req.Chunking
	opts = opts.WithDefaults()
	if err := opts.Validate("options"); err != nil {
		return opts, renameFields(err)
	}
	if err := d.Pipeline.PrepareStructured(&opts, "options"); err != nil {
		return opts, renameFields(err)
	}
	return opts, nil
}

// renameFields reports extraction and chunking under their names in this
// request (top level), not under options.
func renameFields(err error) error {
	e := core.AsError(err)
	fix := func(s string) string {
		s = strings.ReplaceAll(s, "options.extraction", "extraction")
		return strings.ReplaceAll(s, "options.chunking", "chunking")
	}
	out := &core.Error{Type: e.Type, Message: fix(e.Message), Permanent: e.Permanent, Cause: e.Cause}
	for _, dt := range e.Details {
		out.Details = append(out.Details, core.Detail{Field: fix(dt.Field), Message: dt.Message})
	}
	return out
}

// Info is the body of GET /api/v1/strategies/info.
type Info struct {
	Strategies      []strategy.Info `json:"strategies"`
	DefaultStrategy string          `json:"default_strategy"`
	MergePolicy     string          `json:"merge_policy"`
	Chunking        ChunkingInfo    `json:"chunking"`
}

// ChunkingInfo describes the chunking modes.
type ChunkingInfo struct {
	Modes         []ModeInfo `json:"modes"`
	DefaultMode   string     `json:"default_mode"`
	Tokenizer     string     `json:"tokenizer"`
	MaxTokens     int        `json:"default_max_tokens"`
	OverlapTokens int        `json:"default_overlap_tokens"`
}

// ModeInfo is one chunking mode.
type ModeInfo struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Params      []string `json:"params"`
}

var modeInfo = []ModeInfo{
	{"fixed", "windows of exactly max_tokens tokens", []string{"max_tokens"}},
	{"sliding", "windows of max_tokens overlapping by overlap_tokens", []string{"max_tokens", "overlap_tokens"}},
	{"sentence", "whole sentences (Unicode boundaries, abbreviations kept) packed up to max_tokens", []string{"max_tokens"}},
	{"paragraph", "whole paragraphs (blank-line separated) packed up to max_tokens", []string{"max_tokens"}},
	{"markdown", "one chunk per heading section, split at paragraphs past max_tokens", []string{"max_tokens"}},
	{"topic", "cut where the vocabulary changes (TextTiling), packed up to max_tokens", []string{"max_tokens", "topic_window"}},
	{"regex", "a new chunk at each match of pattern", []string{"pattern", "max_tokens"}},
}

func (d Deps) info(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, Info{
		Strategies:      d.Registry.Catalog(),
		DefaultStrategy: strategy.DefaultStrategy,
		MergePolicy:     "chain steps run in order; a field keeps the first non-empty value (null, \"\", [] and {} are empty); sources names the step that gave it",
		Chunking: ChunkingInfo{Modes: modeInfo, DefaultMode: string(chunk.DefaultMode), Tokenizer: chunk.TokenizerName,
			MaxTokens: chunk.DefaultMaxTokens, OverlapTokens: chunk.DefaultOverlapTokens},
	})
}

// RegisterRequest is the JSON form of a module upload.
type RegisterRequest struct {
	WASMBase64 string `json:"wasm_base64"`
}

// ModuleList is the body of GET /api/v1/strategies/modules.
type ModuleList struct {
	Modules []wasm.ModuleInfo `json:"modules"`
}

var errNoModules = core.Errorf(core.ErrNotImplemented, "WASM modules are not available in this deployment")

func (d Deps) register(w http.ResponseWriter, r *http.Request) {
	if d.Modules == nil {
		httpx.WriteError(w, r, errNoModules)
		return
	}
	var module []byte
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/wasm" {
		b, err := io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			httpx.WriteError(w, r, core.Errorf(core.ErrPayloadTooLarge, "request body exceeds the limit of %d bytes for this route", mbe.Limit))
			return
		}
		if err != nil {
			httpx.WriteError(w, r, core.Wrap(core.ErrValidation, err, "could not read the request body"))
			return
		}
		module = b
	} else {
		var req RegisterRequest
		if err := httpx.Decode(r, &req); err != nil {
			httpx.WriteError(w, r, err)
			return
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(req.WASMBase64))
		if err != nil || len(b) == 0 {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "wasm_base64: the module's bytes in standard base64 are required").
				WithDetails(core.Detail{Field: "wasm_base64", Message: "base64 of a .wasm file"}))
			return
		}
		module = b
	}
	if len(bytes.TrimSpace(module)) == 0 {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "the request body is empty: send the .wasm bytes"))
		return
	}
	info, err := d.Modules.Register(r.Context(), module)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	status := http.StatusOK
	if info.Created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/strategies/modules/"+info.SHA256)
	httpx.WriteJSON(w, status, info)
}

func (d Deps) list(w http.ResponseWriter, r *http.Request) {
	if d.Modules == nil {
		httpx.WriteError(w, r, errNoModules)
		return
	}
	mods, err := d.Modules.List(r.Context())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ModuleList{Modules: mods})
}

func moduleID(r *http.Request) (string, error) {
	id := r.PathValue("sha256")
	if !strategy.ValidModuleID(id) {
		return "", core.Errorf(core.ErrValidation, "sha256: a module id is 64 lowercase hex digits").WithDetails(core.Detail{Field: "sha256", Message: "64 lowercase hex digits"})
	}
	return id, nil
}

func (d Deps) get(w http.ResponseWriter, r *http.Request) {
	if d.Modules == nil {
		httpx.WriteError(w, r, errNoModules)
		return
	}
	id, err := moduleID(r)
	if err == nil {
		var info wasm.ModuleInfo
		if info, err = d.Modules.Info(r.Context(), id); err == nil {
			httpx.WriteJSON(w, http.StatusOK, info)
			return
		}
	}
	httpx.WriteError(w, r, err)
}

func (d Deps) delete(w http.ResponseWriter, r *http.Request) {
	if d.Modules == nil {
		httpx.WriteError(w, r, errNoModules)
		return
	}
	id, err := moduleID(r)
	if err == nil {
		if err = d.Modules.Delete(r.Context(), id); err == nil {
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	httpx.WriteError(w, r, err)
}
