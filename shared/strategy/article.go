package strategy

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
)

// articleFields are the fields the article strategy can return, in the
// order of the catalogue.
var articleFields = []string{"title", "byline", "published_at", "modified_at", "description", "site_name", "language",
	"image", "canonical_url", "keywords", "text", "markdown", "word_count", "quality_score"}

// Article builds the article strategy: the extractor's own result (main
// content and metadata), the default of every crawl.
func Article() Definition {
	return Definition{
		Name:        "article",
		Description: "The main content and metadata the extractor finds (readability-style selection on the same parse): title, byline, dates, description, text, markdown, ...",
		Params: []Param{{Name: "fields", Type: "array", Default: strings.Join(articleFields, ","),
			Description: "which of " + strings.Join(articleFields, ", ") + " to return (markdown only when the crawl's formats include it)"}},
		New: newArticle,
	}
}

type articleParams struct {
	Fields []string `json:"fields,omitempty"`
}

type articleStrategy struct{ fields []string }

func newArticle(params json.RawMessage) (Strategy, error) {
	var p articleParams
	if err := decodeParams(params, &p); err != nil {
		return nil, err
	}
	for _, f := range p.Fields {
		if !contains(articleFields, f) {
			return nil, core.Errorf(core.ErrValidation, "fields: %q is not one of %s", f, strings.Join(articleFields, ", "))
		}
	}
	if len(p.Fields) == 0 {
		p.Fields = articleFields
	}
	return articleStrategy{fields: p.Fields}, nil
}

func (s articleStrategy) Extract(ctx context.Context, in *Input) (*Output, error) {
	doc, err := in.Article(ctx)
	if err != nil {
		return nil, err
	}
	out := &Output{Fields: make(map[string]any, len(s.fields))}
	for _, f := range s.fields {
		out.Fields[f] = articleField(doc, f)
	}
	return out, nil
}

func articleField(d *extract.Document, name string) any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	switch name {
	case "title":
		return str(d.Title)
	case "byline":
		return str(d.Byline)
	case "published_at":
		return str(d.PublishedAt)
	case "modified_at":
		return str(d.ModifiedAt)
	case "description":
		return str(d.Description)
	case "site_name":
		return str(d.SiteName)
	case "language":
		return str(d.Language)
	case "image":
		return str(d.Image)
	case "canonical_url":
		return str(d.CanonicalURL)
	case "keywords":
		if len(d.Keywords) == 0 {
			return nil
		}
		out := make([]any, len(d.Keywords))
		for i, k := range d.Keywords {
			out[i] = k
		}
		return out
	case "text":
		return str(d.Text)
	case "markdown":
		return str(d.Markdown)
	case "word_count":
		return int64(d.WordCount)
	case "quality_score":
		return d.Quality.Score
	}
	return nil
}
