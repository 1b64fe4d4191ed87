package main

import (
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
