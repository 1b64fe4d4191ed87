// Package outline is the work of the example WASM extractor: the page's
// title, description, headings and link count, read with the x/net/html
// tokenizer. It has no build constraints so the benchmark can run the
// same code natively and compare.
package outline

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options are the module's options (the wasm strategy's params.options).
type Options struct {
	// Levels are the heading levels to keep (default 1, 2 and 3).
	Levels []int `json:"levels,omitempty"`
	// Max bounds the headings returned (default 50).
	Max int `json:"max,omitempty"`
}

// Heading is one heading of the page.
type Heading struct {
	Level int    `json:"level"`
	Text  string `json:"text"`
}

// Output is the ABI's output envelope (docs/wasm.md).
type Output struct {
	Fields   map[string]any    `json:"fields,omitempty"`
	Problems map[string]string `json:"problems,omitempty"`
	Error    string            `json:"error,omitempty"`
}

// Extract reads page with the options in opts (JSON).
func Extract(page, opts []byte) Output {
	var o Options
	if len(bytes.TrimSpace(opts)) > 0 {
		if err := json.Unmarshal(opts, &o); err != nil {
			return Output{Error: "options: " + err.Error()}
		}
	}
	if len(o.Levels) == 0 {
		o.Levels = []int{1, 2, 3}
	}
	if o.Max <= 0 {
		o.Max = 50
	}
	keep := map[int]bool{}
	for _, l := range o.Levels {
		keep[l] = true
	}
	var (
		title, description string
		headings           = []Heading{}
		links              int
		inTitle            bool
		level              int
		text               strings.Builder
	)
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				return Output{Error: z.Err().Error()}
			}
			break
		}
		tok := z.Token()
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			switch tok.DataAtom {
			case atom.Title:
				inTitle = true
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				level = int(tok.Data[1] - '0')
				text.Reset()
			case atom.A:
				for _, a := range tok.Attr {
					if a.Key == "href" {
						links++
					}
				}
			case atom.Meta:
				var name, content string
				for _, a := range tok.Attr {
					switch a.Key {
					case "name":
						name = strings.ToLower(a.Val)
					case "content":
						content = a.Val
					}
				}
				if name == "description" {
					description = strings.TrimSpace(content)
				}
			}
		case html.TextToken:
			if inTitle {
				title += tok.Data
			}
			if level > 0 {
				text.WriteString(tok.Data)
			}
		case html.EndTagToken:
			switch tok.DataAtom {
			case atom.Title:
				inTitle = false
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				if level > 0 && keep[level] && len(headings) < o.Max {
					if t := strings.Join(strings.Fields(text.String()), " "); t != "" {
						headings = append(headings, Heading{Level: level, Text: t})
					}
				}
				level = 0
			}
		}
	}
	out := Output{Fields: map[string]any{
		"title":       strings.Join(strings.Fields(title), " "),
		"description": description,
		"headings":    headings,
		"links":       links,
	}}
	if out.Fields["title"] == "" {
		out.Fields["title"] = nil
		out.Problems = map[string]string{"title": "the page has no <title>"}
	}
	return out
}
