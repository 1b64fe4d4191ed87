package routes

import (
	_ "embed"
	"sort"
	"strconv"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
)

// openAPIJSON is the generated document (`make openapi`), embedded so the
// health function serves it without linking every group's types. A test in
// cmd/riptide fails when it is stale.
//
//go:embed openapi.json
var openAPIJSON []byte

// OpenAPIJSON returns the generated OpenAPI document.
func OpenAPIJSON() []byte { return openAPIJSON }

// DocVersion is the info.version of the OpenAPI document.
const DocVersion = "1.0.0"

// Schemas are the JSON Schemas of request and response bodies, contributed
// by the endpoint groups.
type Schemas struct {
	Components map[string]any    // component name -> JSON Schema
	Bodies     map[string]string // operation id -> request body component
	Responses  map[string]string // operation id -> 200 response component
}

// Merge adds o's entries to s.
func (s *Schemas) Merge(o Schemas) {
	if s.Components == nil {
		s.Components, s.Bodies, s.Responses = map[string]any{}, map[string]string{}, map[string]string{}
	}
	for k, v := range o.Components {
		s.Components[k] = v
	}
	for k, v := range o.Bodies {
		s.Bodies[k] = v
	}
	for k, v := range o.Responses {
		s.Responses[k] = v
	}
}

// BuildOpenAPI builds the OpenAPI 3.1 document of the route table. Planned
// operations carry `x-status: planned`; legacy paths are `deprecated: true`.
func BuildOpenAPI(schemas Schemas) map[string]any {
	var errorTypes []string
	for _, t := range core.AllErrorTypes {
		errorTypes = append(errorTypes, string(t))
	}
	paths := map[string]any{}
	for _, r := range routes {
		for _, p := range r.Paths() {
			item, _ := paths[p].(map[string]any)
			if item == nil {
				item = map[string]any{}
				paths[p] = item
			}
			item[strings.ToLower(r.Method)] = operation(r, p, schemas)
		}
	}
	components := map[string]any{
		"securitySchemes": map[string]any{
			"ApiKeyHeader": map[string]any{"type": "apiKey", "in": "header", "name": "X-API-Key"},
			"BearerAuth":   map[string]any{"type": "http", "scheme": "bearer"},
		},
		"schemas": mergeSchemas(map[string]any{
			"Error": map[string]any{
				"type":     "object",
				"required": []string{"error"},
				"properties": map[string]any{
					"error": map[string]any{
						"type":     "object",
						"required": []string{"type", "message", "retryable", "status"},
						"properties": map[string]any{
							"type":       map[string]any{"type": "string", "enum": errorTypes},
							"message":    map[string]any{"type": "string"},
							"retryable":  map[string]any{"type": "boolean"},
							"status":     map[string]any{"type": "integer"},
							"request_id": map[string]any{"type": "string"},
							"details": map[string]any{"type": "array", "items": map[string]any{
								"type":       "object",
								"properties": map[string]any{"field": map[string]any{"type": "string"}, "message": map[string]any{"type": "string"}},
							}},
						},
					},
				},
			},
		}, schemas.Components),
		"responses": map[string]any{
			"Error": map[string]any{
				"description": "Error in the unified shape",
				"content":     map[string]any{"application/json": map[string]any{"schema": ref("Error")}},
			},
		},
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":       "RipTide API",
			"version":     DocVersion,
			"description": "Web crawling and content extraction. Canonical paths are under /api/v1; unprefixed legacy paths answer identically and are deprecated.",
			"license":     map[string]any{"name": "Apache-2.0", "identifier": "Apache-2.0"},
		},
		"security":   []any{map[string]any{"ApiKeyHeader": []string{}}, map[string]any{"BearerAuth": []string{}}},
		"paths":      paths,
		"components": components,
		"tags":       tags(),
	}
}

func mergeSchemas(a, b map[string]any) map[string]any {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

func operation(r Route, path string, schemas Schemas) map[string]any {
	op := map[string]any{
		"operationId": operationID(r, path),
		"summary":     r.Summary,
		"tags":        []string{r.Group},
		"x-status":    string(r.Status),
		"responses": map[string]any{
			"200":     map[string]any{"description": "Success"},
			"default": map[string]any{"$ref": "#/components/responses/Error"},
		},
	}
	if name, ok := schemas.Responses[r.Op]; ok {
		op["responses"].(map[string]any)["200"] = map[string]any{
			"description": "Success",
			"content":     map[string]any{"application/json": map[string]any{"schema": ref(name)}},
		}
	}
	if r.Status == Planned {
		op["responses"].(map[string]any)["501"] = map[string]any{"$ref": "#/components/responses/Error"}
	}
	if r.Public {
		op["security"] = []any{}
	}
	for _, l := range r.Legacy {
		if l == path {
			op["deprecated"] = true
			op["description"] = "Deprecated unprefixed path; use " + r.Path + "."
		}
	}
	if params := PathParams(path); len(params) > 0 {
		var ps []any
		for _, p := range params {
			ps = append(ps, map[string]any{"name": p, "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		op["parameters"] = ps
	}
	if r.Body != NoBody {
		schema := map[string]any{"type": "object"}
		if name, ok := schemas.Bodies[r.Op]; ok {
			schema = ref(name)
		}
		content := map[string]any{"application/json": map[string]any{"schema": schema}}
		for _, ct := range r.RawContentTypes {
			content[ct] = map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}
		}
		op["requestBody"] = map[string]any{
			"required":    r.Body == JSONBody,
			"description": "JSON, at most " + sizeText(r.BodyLimit()) + ". Unknown fields are rejected.",
			"content":     content,
		}
	}
	if r.Stream {
		op["x-streaming"] = true
	}
	return op
}

func operationID(r Route, path string) string {
	if path == r.Path {
		return r.Op
	}
	for i, a := range r.Aliases {
		if a == path {
			return r.Op + ".alias" + strconv.Itoa(i+1)
		}
	}
	return r.Op + ".legacy"
}

// PathParams returns the wildcards of a path pattern, in order, as
// written between braces ("id", "rest..."): the OpenAPI document declares
// them and the versioning middleware fills them into successor links.
func PathParams(p string) []string {
	var out []string
	for {
		i := strings.Index(p, "{")
		if i < 0 {
			return out
		}
		j := strings.Index(p[i:], "}")
		if j < 0 {
			return out
		}
		out = append(out, p[i+1:i+j])
		p = p[i+j+1:]
	}
}

func sizeText(n int64) string {
	if n%MiB == 0 {
		return strconv.FormatInt(n/MiB, 10) + " MiB"
	}
	return strconv.FormatInt(n/KiB, 10) + " KiB"
}

func tags() []any {
	seen := map[string]bool{}
	var names []string
	for _, r := range routes {
		if !seen[r.Group] {
			seen[r.Group] = true
			names = append(names, r.Group)
		}
	}
	sort.Strings(names)
	var out []any
	for _, n := range names {
		out = append(out, map[string]any{"name": n})
	}
	return out
}
