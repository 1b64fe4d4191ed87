package adminapi

import (
	"reflect"

	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/privacy"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// Schemas returns the group's request and response schemas for the OpenAPI
// document, derived from the Go types.
func Schemas() routes.Schemas {
	scopes := make([]string, len(keys.AllScopes))
	for i, s := range keys.AllScopes {
		scopes[i] = string(s)
	}
	create := routes.SchemaOf(reflect.TypeFor[CreateRequest](), nil, true)
	create["required"] = []string{"scopes"}
	if props, ok := create["properties"].(map[string]any); ok {
		props["scopes"] = map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": scopes}, "minItems": 1}
	}
	return routes.Schemas{
		Components: map[string]any{
			"AdminKeyCreateRequest": create,
			"AdminKeyRotateRequest": routes.SchemaOf(reflect.TypeFor[RotateRequest](), nil, true),
			"AdminCreatedKey":       routes.SchemaOf(reflect.TypeFor[CreatedKey](), nil, false),
			"AdminKey":              routes.SchemaOf(reflect.TypeFor[KeyView](), nil, false),
			"AdminKeyList":          routes.SchemaOf(reflect.TypeFor[KeyList](), nil, false),
			"AdminTenantExport":     routes.SchemaOf(reflect.TypeFor[privacy.Export](), nil, false),
			"AdminTenantDeletion":   routes.SchemaOf(reflect.TypeFor[privacy.Deletion](), nil, false),
		},
		Bodies: map[string]string{"admin.keys.create": "AdminKeyCreateRequest", "admin.keys.rotate": "AdminKeyRotateRequest"},
		Responses: map[string]string{"admin.keys.create": "AdminCreatedKey", "admin.keys.rotate": "AdminCreatedKey",
			"admin.keys.list": "AdminKeyList", "admin.keys.get": "AdminKey", "admin.keys.revoke": "AdminKey",
			"admin.tenants.export": "AdminTenantExport", "admin.tenants.delete": "AdminTenantDeletion"},
	}
}
