package main

import (
	"encoding/json"

	"github.com/riptidecrawler/riptide/shared/api"
	spiderapi "github.com/riptidecrawler/riptide/shared/api/spider"
)

// groupSchemas are the request/response schemas contributed by the groups.
var groupSchemas = []api.Schemas{spiderapi.Schemas()}

// openAPIDocument renders the OpenAPI document from the route table and the
// groups' schemas; `make openapi` writes it to shared/api/openapi.json.
func openAPIDocument() ([]byte, error) {
	var s api.Schemas
	for _, g := range groupSchemas {
		s.Merge(g)
	}
	b, err := json.MarshalIndent(api.BuildOpenAPI(s), "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
