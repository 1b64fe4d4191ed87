package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
)

// initCostly are calls that do real work (parse, compile, hash) when they
// initialise a package-level variable, on every cold start of every
// function that links the package, whether or not a request ever needs
// the result: by import path, the package's name and its functions.
var initCostly = map[string]struct {
	name  string
	funcs []string
}{
	// A compiled regexp is tens of allocations and 5-40 µs each; most of
	// ours validate a rarely used input (a plan name, a country code).
	"regexp": {"regexp", []string{"MustCompile", "Compile", "MustCompilePOSIX", "CompilePOSIX"}},
	// A script's SHA1, hex-encoded: four allocations each, and the
	// stores hold dozens, most of which a given function never runs.
	"github.com/redis/go-redis/v9": {"redis", []string{"NewScript"}},
}

// mapFree are packages whose sets are switch functions: a package-level
// map literal that the program can reach is built at package init
// (extract's fourteen tag and word sets were 54 allocations and 23 KB at
// every cold start of each function that extracts).
var mapFree = []string{"shared/extract"}

// TestFunctionsDoNoCostlyWorkAtPackageInit: no package of this module that
// a Lambda function links initialises a package-level variable with a
// call of initCostly, directly or in a function literal called in place,
// nor makes one in an init function. Build it on first use instead
// (sync.OnceValue), as shared/jobs and shared/monitor do
// (docs/cold-start.md, "What stays out of package init"); and no package
// of mapFree has a package-level map literal. Calls behind a
// named function (var x = build()) are not followed: the inittrace sums
// in docs/cold-start.md catch those.
func TestFunctionsDoNoCostlyWorkAtPackageInit(t *testing.T) {
	root := functest.RepoRoot(t)
	fset := token.NewFileSet()
	checked := 0
	for _, line := range goList(t, root, "-deps", "-f", "{{.ImportPath}}|{{.Dir}}|{{join .GoFiles \",\"}}", "./functions/...") {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[0], module+"/") || parts[2] == "" {
			continue
		}
		for _, name := range strings.Split(parts[2], ",") {
			path := filepath.Join(parts[1], name)
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			rel, _ := filepath.Rel(root, path)
			for _, call := range costlyInitCalls(f) {
				t.Errorf("%s:%d: %s at package init: every cold start of a function linking %s pays for it; build it on first use (sync.OnceValue)",
					filepath.ToSlash(rel), fset.Position(call.pos).Line, call.name, parts[0])
			}
			if slices.Contains(mapFree, strings.TrimPrefix(parts[0], module+"/")) {
				for _, pos := range packageMaps(f) {
					t.Errorf("%s:%d: a package-level map is built at every cold start of every function; make the set a switch function", filepath.ToSlash(rel), fset.Position(pos).Line)
				}
			}
		}
	}
	if checked < 50 {
		t.Fatalf("checked only %d files: is go list's output what this test expects?", checked)
	}
}

type initCall struct {
	pos  token.Pos
	name string
}

// costlyInitCalls returns the calls of initCostly that run when f's
// package is initialised: in package-level variable initialisers (not in
// function literals they only hand on, such as sync.OnceValue's) and in
// init functions.
func costlyInitCalls(f *ast.File) []initCall {
	local := map[string]string{} // name in this file -> import path
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		c, ok := initCostly[p]
		if !ok {
			continue
		}
		name := c.name
		if imp.Name != nil {
			name = imp.Name.Name
		}
		local[name] = p
	}
	if len(local) == 0 {
		return nil
	}
	var found []initCall
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false // runs when called, which visit sees below
		case *ast.CallExpr:
			if lit, ok := n.Fun.(*ast.FuncLit); ok {
				ast.Inspect(lit.Body, visit) // called in place: runs now
			}
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if id, ok := sel.X.(*ast.Ident); ok {
					if p, ok := local[id.Name]; ok {
						for _, fn := range initCostly[p].funcs {
							if sel.Sel.Name == fn {
								found = append(found, initCall{n.Pos(), id.Name + "." + fn})
							}
						}
					}
				}
			}
		}
		return true
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			if d.Tok != token.VAR {
				continue
			}
			for _, s := range d.Specs {
				for _, v := range s.(*ast.ValueSpec).Values {
					ast.Inspect(v, visit)
				}
			}
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.Name == "init" && d.Body != nil {
				ast.Inspect(d.Body, visit)
			}
		}
	}
	return found
}

// packageMaps returns where f initialises a package-level variable with a
// map literal.
func packageMaps(f *ast.File) []token.Pos {
	var found []token.Pos
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, s := range g.Specs {
				for _, v := range s.(*ast.ValueSpec).Values {
					if lit, ok := v.(*ast.CompositeLit); ok {
						if _, ok := lit.Type.(*ast.MapType); ok {
							found = append(found, lit.Pos())
						}
					}
				}
			}
		}
	}
	return found
}
