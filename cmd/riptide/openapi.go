package main

import (
	"encoding/json"

	crawlapi "github.com/riptidecrawler/riptide/shared/api/crawl"
	deepsearchapi "github.com/riptidecrawler/riptide/shared/api/deepsearch"
	healthapi "github.com/riptidecrawler/riptide/shared/api/health"
	llmapi "github.com/riptidecrawler/riptide/shared/api/llm"
	pdfapi "github.com/riptidecrawler/riptide/shared/api/pdf"
	renderapi "github.com/riptidecrawler/riptide/shared/api/render"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	stealthapi "github.com/riptidecrawler/riptide/shared/api/stealth"
	strategiesapi "github.com/riptidecrawler/riptide/shared/api/strategies"
	tablesapi "github.com/riptidecrawler/riptide/shared/api/tables"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// groupSchemas are the request/response schemas contributed by the groups
// (each group's Schemas func). A group added to the route table must add
// its Schemas here: TestEveryOperationHasSchemas names the operations
// whose schemas are missing.
var groupSchemas = []func() routes.Schemas{
	healthapi.Schemas, crawlapi.Schemas, renderapi.Schemas, stealthapi.Schemas, spiderapi.Schemas,
	strategiesapi.Schemas, pdfapi.Schemas, tablesapi.Schemas, deepsearchapi.Schemas, llmapi.Schemas,
}

// openAPISchemas merges the groups' schemas; two groups giving one
// component name different schemas is an error.
func openAPISchemas() (routes.Schemas, error) {
	var s routes.Schemas
	for _, g := range groupSchemas {
		s.Merge(g())
	}
	return s, s.Err()
}

// openAPIDocument renders the OpenAPI document from the route table and the
// groups' schemas; `make openapi` writes it to shared/routes/openapi.json.
func openAPIDocument() ([]byte, error) {
	s, err := openAPISchemas()
	if err != nil {
		return nil, err
	}
	b, err := json.MarshalIndent(routes.BuildOpenAPI(s), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
