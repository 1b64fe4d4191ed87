package strategy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// schemaURL names the request's schema inside the compiler; it is never
// fetched.
const schemaURL = "urn:riptide:extraction-schema"

// maxSchemaBytes bounds a request's schema.
const maxSchemaBytes = 256 << 10

// noLoader refuses every $ref outside the schema itself: a schema from a
// request must not make the server read files or open connections.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("$ref %q: only references inside the schema are allowed", url)
}

func compileSchema(raw json.RawMessage) (*jsonschema.Schema, error) {
	if len(raw) > maxSchemaBytes {
		return nil, fmt.Errorf("schema is %d bytes, limit %d", len(raw), maxSchemaBytes)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %v", err)
	}
	if _, ok := doc.(map[string]any); !ok {
		if _, isBool := doc.(bool); !isBool {
			return nil, errors.New("must be a JSON Schema object")
		}
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, err
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), schemaURL, "schema"))
	}
	return sch, nil
}

// validate checks data against sch and returns one problem per violation,
// at the deepest location that explains it.
func validate(sch *jsonschema.Schema, data map[string]any) []Problem {
	// The validator wants JSON values as its own decoder makes them
	// (json.Number for numbers): round-trip through JSON.
	b, err := json.Marshal(data)
	if err != nil {
		return []Problem{{Kind: ProblemSchema, Message: "data is not JSON: " + err.Error()}}
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return []Problem{{Kind: ProblemSchema, Message: "data is not JSON: " + err.Error()}}
	}
	err = sch.Validate(inst)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Kind: ProblemSchema, Message: err.Error()}}
	}
	var out []Problem
	seen := map[string]bool{}
	var walk func(u jsonschema.OutputUnit)
	walk = func(u jsonschema.OutputUnit) {
		if len(u.Errors) > 0 {
			for _, c := range u.Errors {
				walk(c)
			}
			return
		}
		if u.Error == nil {
			return
		}
		msg := u.Error.String()
		key := u.InstanceLocation + "\x00" + msg
		if seen[key] {
			return
		}
		seen[key] = true
		field := u.InstanceLocation
		if field == "" {
			field = "/"
		}
		out = append(out, Problem{Field: field, Kind: ProblemSchema, Message: msg})
	}
	walk(*ve.DetailedOutput())
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}
