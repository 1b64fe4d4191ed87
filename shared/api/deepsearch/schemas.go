package deepsearchapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Name(Request{}, "DeepSearchRequest").Name(Response{}, "DeepSearchResponse").Name(SearchResponse{}, "SearchResponse").
		Name(MetadataLine{}, "DeepSearchMetadataLine").Name(SearchLine{}, "DeepSearchSearchLine").Name(ResultLine{}, "DeepSearchResultLine").
		Name(SummaryLine{}, "DeepSearchSummaryLine").Name(ErrorLine{}, "DeepSearchErrorLine").
		Body("deepsearch.search", Request{}, "query").Response("deepsearch.search", Response{}).
		Body("deepsearch.stream", Request{}, "query").
		Line("deepsearch.stream", "metadata", MetadataLine{}).Line("deepsearch.stream", "search", SearchLine{}).
		Line("deepsearch.stream", "result", ResultLine{}).Line("deepsearch.stream", "summary", SummaryLine{}).
		Line("deepsearch.stream", "error", ErrorLine{}).
		Response("deepsearch.query", SearchResponse{}).
		Build()
}
