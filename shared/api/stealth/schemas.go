package stealthapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/stealth"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Name(Health{}, "StealthHealth").
		Body("stealth.configure", ConfigureRequest{}).Response("stealth.configure", Configuration{}).
		Body("stealth.test", TestRequest{}).Response("stealth.test", TestResponse{}).
		Response("stealth.capabilities", stealth.Capabilities{}).
		Response("stealth.health", Health{}).Status("stealth.health", 503, Health{}).
		Build()
}
