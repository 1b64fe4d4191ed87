package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// tableRenderFunction is the one function of the table needing Chromium.
func tableRenderFunction(t *testing.T) routes.Function {
	t.Helper()
	var found []routes.Function
	for _, f := range routes.Functions() {
		if f.NeedsChromium {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d functions need Chromium, want exactly one render function", len(found))
	}
	return found[0]
}

func TestRenderCallersAreFunctionsOfTheTable(t *testing.T) {
	render := tableRenderFunction(t)
	for _, name := range RenderCallers() {
		f, ok := routes.LookupFunction(name)
		if !ok {
			t.Errorf("render caller %s is not in the function table", name)
		}
		if f.NeedsChromium || name == render.Name {
			t.Errorf("render caller %s needs Chromium itself", name)
		}
	}
}

func TestRenderCallersMayInvokeOnlyTheRenderFunction(t *testing.T) {
	s := shared(t)
	ids := functionIDs(t, s.rootJSON)
	render := tableRenderFunction(t)
	aliases := aliasIDs(t, s.rootJSON)
	renderAlias := aliases[render.Name]
	stmts := functionStatements(t, s.rootJSON)
	for name, id := range ids {
		caller := slices.Contains(RenderCallers(), name)
		env := functionEnv(s.rootJSON, id)
		got, has := env["RIPTIDE_RENDER_FUNCTION"]
		switch {
		case caller && ref(got) != renderAlias:
			t.Errorf("%s: RIPTIDE_RENDER_FUNCTION = %v, want the ARN (Ref) of the live alias %s", name, got, renderAlias)
		case !caller && has:
			t.Errorf("%s is no render caller but has RIPTIDE_RENDER_FUNCTION = %v", name, got)
		}

		var invokes []string
		for _, st := range stmts[name] {
			for _, a := range st.actions {
				if strings.HasPrefix(a, "lambda:") {
					if a != "lambda:InvokeFunction" || st.effect != "Allow" {
						t.Errorf("%s: %s %s on %v", name, st.effect, a, st.resources)
					}
					invokes = append(invokes, st.resources...)
				}
			}
		}
		// The live alias only: not $LATEST, no "<arn>:*" (every version
		// and alias), no other function; the WebSocket function also
		// invokes itself (asynchronous hand-off of each message), by name
		// or through its alias.
		want := []string{"<Ref:" + renderAlias + ">"}
		if name == tableWebSocketFunction(t) {
			want = append(want, "<GetAtt:"+id+".Arn>", "<Ref:"+aliases[name]+">")
		}
		slices.Sort(invokes)
		slices.Sort(want)
		switch {
		case caller && !slices.Equal(invokes, want):
			t.Errorf("%s may invoke %v, want exactly %v", name, invokes, want)
		case !caller && len(invokes) > 0:
			t.Errorf("%s is no render caller but may invoke %v", name, invokes)
		}
	}
}

func TestRenderWiringRejectsBadTables(t *testing.T) {
	callers := RenderCallers()
	table := func(drop string, extra ...routes.Function) []routes.Function {
		fns := []routes.Function{{Name: "render", Arch: "x86_64", MemoryMB: 128, TimeoutSec: 3, NeedsChromium: true}}
		for _, c := range callers {
			if c != drop {
				fns = append(fns, routes.Function{Name: c, MemoryMB: 128, TimeoutSec: 3})
			}
		}
		return append(append(fns, authorizerFn), extra...)
	}
	rts := []routes.Route{{Op: "render.get", Group: "render", Method: "GET", Path: "/r"}}
	for name, c := range map[string]struct {
		fns  []routes.Function
		want string
	}{
		"caller missing":   {table(callers[0]), "render caller " + callers[0] + " (RenderCallers in infra/cdk/render.go) is not in the function table"},
		"two renderers":    {table("", routes.Function{Name: "render2", Arch: "x86_64", MemoryMB: 128, TimeoutSec: 3, NeedsChromium: true}), "functions [render render2] all need Chromium"},
		"arm64 renderer":   {append([]routes.Function{{Name: "render", MemoryMB: 128, TimeoutSec: 3, NeedsChromium: true}}, table("")[1:]...), "function render needs Chromium but is arm64"},
		"layer zip absent": {table(""), "chromium layer missing: /nonexistent/chromium-layer.zip (run `layers/chromium/build.sh`"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := writeAssets(dir, c.fns); err != nil {
				t.Fatal(err)
			}
			layer := dir + "/layer.zip"
			if name == "layer zip absent" {
				layer = "/nonexistent/chromium-layer.zip"
			} else if err := writeChromiumLayer(layer); err != nil {
				t.Fatal(err)
			}
			app := mustApp(t)
			_, err := NewRiptideStack(app, "Bad", &RiptideStackProps{AssetDir: dir, ChromiumLayer: layer, Functions: c.fns, Routes: rts})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}
