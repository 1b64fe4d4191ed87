package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestEveryOperationHasSchemas: every ready operation's request and
// answer bodies are described by a group's Schemas (no bare objects in
// the document). A new group's operations are named here until its
// Schemas func is added to groupSchemas.
func TestEveryOperationHasSchemas(t *testing.T) {
	s, err := openAPISchemas()
	if err != nil {
		t.Fatal(err)
	}
	if missing := s.Missing(); len(missing) > 0 {
		t.Fatalf("%d operation bodies have no schema (add them to the group's Schemas func and register it in cmd/riptide/openapi.go):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}

// TestRedoclyIgnoreIsCurrent: the lint's exceptions follow the route
// table (an operation that becomes ready must be linted like the rest).
func TestRedoclyIgnoreIsCurrent(t *testing.T) {
	got, err := os.ReadFile("../../.redocly.lint-ignore.yaml")
	if err != nil || !bytes.Equal(got, redoclyIgnore()) {
		t.Fatalf(".redocly.lint-ignore.yaml is stale: run `make openapi` (%v)", err)
	}
}

// TestStoredOnlyFieldsStayOutOfTheDocument: fields a job or schedule
// keeps for the service alone (its owner, who pays for it), cleared by
// View before any response, are not promised to clients.
func TestStoredOnlyFieldsStayOutOfTheDocument(t *testing.T) {
	raw, err := openAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"WorkersJob", "WorkersSchedule"} {
		props := doc.Components.Schemas[name].Properties
		if len(props) == 0 {
			t.Fatalf("no schema %s", name)
		}
		for _, hidden := range []string{"owner", "billing"} {
			if _, ok := props[hidden]; ok {
				t.Errorf("%s documents %q, which no response carries", name, hidden)
			}
		}
	}
}
