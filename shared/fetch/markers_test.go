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
	f.Add("Window._CF_chl_opt ACCESS Denied Sec-CPT-If")
	m := challengeMarkerSet()
	f.Fuzz(func(t *testing.T, text string) {
		found := m.find([]byte(text))
		lower := string(lowerInto(nil, []byte(text)))
		for _, mk := range challengeMarkers {
			if found.has(mk) != strings.Contains(lower, mk) {
				t.Fatalf("marker %q: set says %v, Contains (ASCII case folded) says %v in %q", mk, found.has(mk), !found.has(mk), text)
			}
		}
	})
}

// A long text is scanned in four pieces at once: a marker across a cut,
// at either end or anywhere, in any case, is found, and nothing else is.
func TestMarkerSetFindsMarkersAcrossTheCuts(t *testing.T) {
	m := challengeMarkerSet()
	for _, size := range []int{1024, 1031, 4099} {
		q := size / 4
		for _, mk := range challengeMarkers {
			for _, cut := range []int{0, q, 2 * q, 3 * q, size - len(mk)} {
				for back := range len(mk) + 1 {
					at := cut - back
					if at < 0 || at+len(mk) > size {
						continue
					}
					text := []byte(strings.Repeat("x", size))
					copy(text[at:], strings.ToUpper(mk[:len(mk)/2])+mk[len(mk)/2:])
					found := m.find(text)
					lower := string(lowerInto(nil, text))
					for _, other := range challengeMarkers {
						if found.has(other) != strings.Contains(lower, other) {
							t.Fatalf("size %d, %q at %d: marker %q found=%v", size, mk, at, other, found.has(other))
						}
					}
				}
			}
		}
	}
}
