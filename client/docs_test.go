package client

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestDocsMatchExamples: every Go block of docs/client.md is the body of
// one of the compiled examples (example_test.go), so the documentation's
// code compiles.
func TestDocsMatchExamples(t *testing.T) {
	doc, err := os.ReadFile("../docs/client.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("example_test.go")
	if err != nil {
		t.Fatal(err)
	}
	examples := normalize(string(src))
	blocks := regexp.MustCompile("(?s)```go\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 4 {
		t.Fatalf("docs/client.md has %d Go blocks", len(blocks))
	}
	for _, b := range blocks {
		if !strings.Contains(examples, normalize(b[1])) {
			t.Errorf("this block of docs/client.md is not in example_test.go:\n%s", b[1])
		}
	}
}

// normalize drops indentation and blank lines.
func normalize(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
