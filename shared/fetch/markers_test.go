package fetch

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestEveryDetectorMarkerIsInTheSet reads challenge.go and checks that each
// string literal passed to has(...) is in challengeMarkers: a marker added
// to the detector but not to the set would silently never match.
func TestEveryDetectorMarkerIsInTheSet(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "challenge.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	ast.Inspect(f, func(node ast.Node) bool {
		call, ok := node.(*ast.CallExpr)
		if !ok {
			return true
		}
		if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "has" {
			return true
		}
		for _, a := range call.Args {
			lit, ok := a.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("has() takes string literals only, got %T", a)
				continue
			}
			s, _ := strconv.Unquote(lit.Value)
			n++
			if !slices.Contains(challengeMarkers, s) {
				t.Errorf("marker %q is used by DetectChallenge but missing from challengeMarkers", s)
			}
		}
		return true
	})
	if n < 40 {
		t.Fatalf("found only %d markers in challenge.go; the parse is wrong", n)
	}
}

func FuzzMarkerSetAgreesWithContains(f *testing.F) {
	f.Add("xx window._cf_chl_opt yy access denied sec-cpt-if")
	f.Add("chchlchallenge_px-cpx-c")
	m := challengeMarkerSet()
	f.Fuzz(func(t *testing.T, text string) {
		found := m.find([]byte(text))
		for _, mk := range challengeMarkers {
			if found[mk] != strings.Contains(text, mk) {
				t.Fatalf("marker %q: set says %v, Contains says %v in %q", mk, found[mk], !found[mk], text)
			}
		}
	})
}
