// Package pdfwire wires the pdf group: PDFs from base64 bodies, URLs
// fetched through the process's fetcher, or presigned uploads into the
// blob store (uploads/).
package pdfwire

import (
	"context"

	pdfapi "github.com/riptidecrawler/riptide/shared/api/pdf"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the pdf group's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	uploads, err := p.Blob(ctx, "uploads/")
	if err != nil {
		return wire.Group{}, err
	}
	return wire.Group{Handlers: pdfapi.Handlers(pdfapi.Deps{Fetcher: p.Fetcher(), Blob: uploads})}, nil
}
