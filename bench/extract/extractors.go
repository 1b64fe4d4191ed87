package main

import (
	"bytes"
	"context"
	nurl "net/url"
	"strings"

	readability "codeberg.org/readeck/go-readability/v2"
	trafilatura "github.com/markusmobius/go-trafilatura"
)

// extractor turns one page into its main text, the only output the dev
// set scores.
type extractor struct {
	name string
	run  func(ctx context.Context, p *page) (string, error)
}

func extractors() []extractor {
	return []extractor{
		{"riptide", runRiptide},
		{"go-trafilatura", func(ctx context.Context, p *page) (string, error) { return runTrafilatura(p, false) }},
		{"go-trafilatura+fallback", func(ctx context.Context, p *page) (string, error) { return runTrafilatura(p, true) }},
		{"go-readability", runReadability},
	}
}

// runTrafilatura uses the settings of go-trafilatura's own comparison
// script (comments excluded, tables kept, balanced focus).
func runTrafilatura(p *page, fallback bool) (string, error) {
	u, _ := nurl.Parse(p.URL)
	res, err := trafilatura.Extract(bytes.NewReader(p.HTML), trafilatura.Options{
		OriginalURL:     u,
		EnableFallback:  fallback,
		ExcludeComments: true,
	})
	if err != nil {
		return "", err
	}
	return res.ContentText, nil
}

func runReadability(_ context.Context, p *page) (string, error) {
	u, _ := nurl.Parse(p.URL)
	parser := readability.NewParser()
	art, err := parser.Parse(bytes.NewReader(p.HTML), u)
	if err != nil {
		return "", err
	}
	if art.Node == nil {
		return "", nil
	}
	var b strings.Builder
	if err := art.RenderText(&b); err != nil {
		return "", err
	}
	return b.String(), nil
}
