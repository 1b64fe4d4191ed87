package pdfapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Name(ProcessRequest{}, "PDFProcessRequest").Name(UploadRequest{}, "PDFUploadRequest").
		Name(ProcessResponse{}, "PDFProcessResponse").Name(UploadResponse{}, "PDFUploadResponse").Name(Health{}, "PDFHealth").
		Name(MetadataLine{}, "PDFStreamMetadata").Name(PageLine{}, "PDFStreamPage").Name(ProgressLine{}, "PDFStreamProgress").
		Name(SummaryLine{}, "PDFStreamSummary").Name(ErrorLine{}, "PDFStreamError").
		Body("pdf.process", ProcessRequest{}).Response("pdf.process", ProcessResponse{}).
		Body("pdf.stream", ProcessRequest{}).
		Line("pdf.stream", "metadata", MetadataLine{}).Line("pdf.stream", "page", PageLine{}).
		Line("pdf.stream", "progress", ProgressLine{}).Line("pdf.stream", "summary", SummaryLine{}).Line("pdf.stream", "error", ErrorLine{}).
		Response("pdf.health", Health{}).
		Body("pdf.uploads", UploadRequest{}).Response("pdf.uploads", UploadResponse{}).
		Build()
}
