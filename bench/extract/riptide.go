package main

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/extract"
)

// runRiptide runs the shipped extractor with every output enabled, so its
// time includes markdown, clean HTML, metadata, links and media.
func runRiptide(ctx context.Context, p *page) (string, error) {
	d, err := extract.FromHTML(ctx, p.HTML, p.URL, extract.Options{})
	if err != nil {
		return "", err
	}
	return d.Text, nil
}
