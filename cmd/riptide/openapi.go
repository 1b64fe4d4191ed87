package main

import (
	"encoding/json"

	deepsearchapi "github.com/riptidecrawler/riptide/shared/api/deepsearch"
	firecrawlapi "github.com/riptidecrawler/riptide/shared/api/firecrawl"
	llmapi "github.com/riptidecrawler/riptide/shared/api/llm"
	monitoringapi "github.com/riptidecrawler/riptide/shared/api/monitoring"
	pdfapi "github.com/riptidecrawler/riptide/shared/api/pdf"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
	strategiesapi "github.com/riptidecrawler/riptide/shared/api/strategies"
	tablesapi "github.com/riptidecrawler/riptide/shared/api/tables"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// groupSchemas are the request/response schemas contributed by the groups.
var groupSchemas = []routes.Schemas{spiderapi.Schemas(), firecrawlapi.Schemas(), strategiesapi.Schemas(), pdfapi.Schemas(), tablesapi.Schemas(),
	deepsearchapi.Schemas(), llmapi.Schemas(), monitoringapi.Schemas()}

// openAPIDocument renders the OpenAPI document from the route table and the
// groups' schemas; `make openapi` writes it to shared/routes/openapi.json.
func openAPIDocument() ([]byte, error) {
	var s routes.Schemas
	for _, g := range groupSchemas {
		s.Merge(g)
	}
	b, err := json.MarshalIndent(routes.BuildOpenAPI(s), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
