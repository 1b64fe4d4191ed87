package pdfapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	s := routes.Schemas{Components: map[string]any{
		"PDFProcessRequest":  routes.SchemaOf(reflect.TypeFor[ProcessRequest](), nil, true),
		"PDFUploadRequest":   routes.SchemaOf(reflect.TypeFor[UploadRequest](), nil, true),
		"PDFProcessResponse": routes.SchemaOf(reflect.TypeFor[ProcessResponse](), nil, false),
		"PDFUploadResponse":  routes.SchemaOf(reflect.TypeFor[UploadResponse](), nil, false),
		"PDFHealth":          routes.SchemaOf(reflect.TypeFor[Health](), nil, false),
		// The stream's lines, for clients that decode them.
		"PDFStreamMetadata": routes.SchemaOf(reflect.TypeFor[MetadataLine](), nil, false),
		"PDFStreamPage":     routes.SchemaOf(reflect.TypeFor[PageLine](), nil, false),
		"PDFStreamProgress": routes.SchemaOf(reflect.TypeFor[ProgressLine](), nil, false),
		"PDFStreamSummary":  routes.SchemaOf(reflect.TypeFor[SummaryLine](), nil, false),
	}, Bodies: map[string]string{
		"pdf.process": "PDFProcessRequest", "pdf.stream": "PDFProcessRequest", "pdf.uploads": "PDFUploadRequest",
	}, Responses: map[string]string{
		"pdf.process": "PDFProcessResponse", "pdf.uploads": "PDFUploadResponse", "pdf.health": "PDFHealth",
	}}
	return s
}
