package llmapi

import (
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	return routes.NewSchemas().
		Name(SwitchRequest{}, "LLMSwitchRequest").Name(SwitchResponse{}, "LLMSwitchResponse").
		Name(SetConfigRequest{}, "LLMSetConfigRequest").Name(SetConfigResponse{}, "LLMSetConfigResponse").
		Name(ConfigResponse{}, "LLMConfig").Name(ProvidersResponse{}, "LLMProviders").
		Body("llm.switch", SwitchRequest{}, "provider_name").Response("llm.switch", SwitchResponse{}).
		Body("llm.config.set", SetConfigRequest{}, "provider_configs").Response("llm.config.set", SetConfigResponse{}).
		Response("llm.config.get", ConfigResponse{}).Response("llm.providers", ProvidersResponse{}).
		Build()
}
