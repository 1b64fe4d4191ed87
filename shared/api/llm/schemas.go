package llmapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/llm"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	enums := map[reflect.Type][]string{reflect.TypeFor[llm.Kind](): {string(llm.KindOpenAI), string(llm.KindAnthropic), string(llm.KindBedrock)}}
	sw := routes.SchemaOf(reflect.TypeFor[SwitchRequest](), enums, true)
	sw["required"] = []string{"provider_name"}
	set := routes.SchemaOf(reflect.TypeFor[SetConfigRequest](), enums, true)
	set["required"] = []string{"provider_configs"}
	return routes.Schemas{
		Components: map[string]any{
			"LLMSwitchRequest":     sw,
			"LLMSwitchResponse":    routes.SchemaOf(reflect.TypeFor[SwitchResponse](), enums, false),
			"LLMSetConfigRequest":  set,
			"LLMSetConfigResponse": routes.SchemaOf(reflect.TypeFor[SetConfigResponse](), enums, false),
			"LLMConfig":            routes.SchemaOf(reflect.TypeFor[ConfigResponse](), enums, false),
			"LLMProviders":         routes.SchemaOf(reflect.TypeFor[ProvidersResponse](), enums, false),
		},
		Bodies: map[string]string{"llm.switch": "LLMSwitchRequest", "llm.config.set": "LLMSetConfigRequest"},
		Responses: map[string]string{"llm.switch": "LLMSwitchResponse", "llm.config.set": "LLMSetConfigResponse",
			"llm.config.get": "LLMConfig", "llm.providers": "LLMProviders"},
	}
}
