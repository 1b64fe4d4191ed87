package renderapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Body("render.render", Request{}, "url").Response("render.render", Response{}).
		Build()
}
