package firecrawlapi

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// Format is one entry of formats: a name ("markdown"), or, as Firecrawl's
// v2 API also takes, an object with a type and its options
// ({"type": "json", "prompt": ..., "schema": ...}, {"type":
// "screenshot", "fullPage": true}).
type Format struct {
	Name string
	// JSON is the json format's options given in the object form.
	JSON *JSONOptions
}

// formatObject is the object form of a format.
type formatObject struct {
	Type     string          `json:"type"`
	FullPage *bool           `json:"fullPage,omitempty"`
	Quality  *int            `json:"quality,omitempty"`
	Viewport json.RawMessage `json:"viewport,omitempty"`
	Prompt   string          `json:"prompt,omitempty"`
	Schema   json.RawMessage `json:"schema,omitempty"`
	Modes    json.RawMessage `json:"modes,omitempty"`
	Tag      json.RawMessage `json:"tag,omitempty"`
}

// UnmarshalJSON reads either form.
func (f *Format) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &f.Name)
	}
	var o formatObject
	if err := httpx.DecodeBytes(b, &o, false); err != nil {
		return err
	}
	f.Name = o.Type
	switch {
	case o.Quality != nil:
		return core.Errorf(core.ErrValidation, "formats: screenshot quality is not supported (screenshots are PNG)")
	case len(o.Viewport) > 0:
		return core.Errorf(core.ErrValidation, "formats: a screenshot viewport is not supported (the page renders at 1280x800)")
	case o.Type == fmtShot && o.FullPage != nil && *o.FullPage:
		f.Name = fmtShotFull
	case o.Type == fmtJSON:
		f.JSON = &JSONOptions{Prompt: o.Prompt, Schema: o.Schema}
	case o.Type == "":
		return core.Errorf(core.ErrValidation, "formats: an object format needs a type")
	}
	return nil
}

// MarshalJSON writes the name form (or the json object form).
func (f Format) MarshalJSON() ([]byte, error) {
	if f.JSON != nil {
		return json.Marshal(formatObject{Type: f.Name, Prompt: f.JSON.Prompt, Schema: f.JSON.Schema})
	}
	return json.Marshal(f.Name)
}

func (f Format) String() string { return fmt.Sprint(f.Name) }
