package main

import (
	"archive/zip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// Synthesizing the stack costs seconds (jsii starts Node.js), so every test
// shares one synthesis of the real stack, made on first use.
type synthesized struct {
	stack      *RiptideStack
	root, rest assertions.Template
	rootJSON   map[string]any
	restJSON   map[string]any
	// unsuppressed cdk-nag errors and warnings in both templates
	nagFindings []nagFinding
	// assets and layer are the placeholder function zips and layer, for
	// other syntheses
	assets, layer string
}

var (
	synthOnce   sync.Once
	synthResult *synthesized
	synthErr    error
)

func TestMain(m *testing.M) {
	if os.Getenv(fakeStepEnv) != "" {
		os.Exit(fakeStep())
	}
	os.Setenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// writeAssets writes one small, distinct zip per function into dir,
// standing in for `make build`.
func writeAssets(dir string, table []routes.Function) error {
	for _, f := range table {
		if err := writeZip(filepath.Join(dir, f.Name+".zip"), "bootstrap", "#!/bin/sh\necho placeholder for "+f.Name+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// writeChromiumLayer writes a small stand-in for the Chromium layer zip
// (layers/chromium/build.sh) at path.
func writeChromiumLayer(path string) error {
	return writeZip(path, "chromium/chromium", "#!/bin/sh\necho placeholder for chromium\n")
}

// writeZip writes a zip holding one file.
func writeZip(path, name, content string) error {
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate})
	if err == nil {
		_, err = io.WriteString(w, content)
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

// testApp is an App with the context `make synth` gives it: cdk.json's
// feature flags (no environment file: the defaults, i.e. production).
func testApp(outdir string) (awscdk.App, error) {
	ctx, err := AppContext(".", "")
	if err != nil {
		return nil, err
	}
	return awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &ctx}), nil
}

// mustApp is testApp in a temporary directory of t.
func mustApp(t *testing.T) awscdk.App {
	t.Helper()
	app, err := testApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return app
}

// shared returns the synthesized real stack, with cdk-nag applied.
// testStackName is the name of the stack the shared synthesis makes.
const testStackName = "Test"

func shared(t *testing.T) *synthesized {
	t.Helper()
	synthOnce.Do(func() {
		// Not t.TempDir: the directory outlives this test, shared by all.
		base, err := os.MkdirTemp("", "riptide-cdk-test-")
		if err != nil {
			synthErr = err
			return
		}
		defer func() {
			if r := recover(); r != nil {
				// An unsuppressed cdk-nag error fails synthesis (cdk.json's
				// annotationsInValidationReport): report what it found.
				synthErr = synthFailure(filepath.Join(base, "cdk.out"), r)
			}
		}()
		assetsDir := filepath.Join(base, "build")
		if err := os.Mkdir(assetsDir, 0o755); err != nil {
			synthErr = err
			return
		}
		if err := writeAssets(assetsDir, routes.Functions()); err != nil {
			synthErr = err
			return
		}
		layer := filepath.Join(base, "chromium-layer.zip")
		if err := writeChromiumLayer(layer); err != nil {
			synthErr = err
			return
		}
		app, err := testApp(filepath.Join(base, "cdk.out"))
		if err != nil {
			synthErr = err
			return
		}
		s, err := NewRiptideStack(app, testStackName, &RiptideStackProps{AssetDir: assetsDir, ChromiumLayer: layer})
		if err != nil {
			synthErr = err
			return
		}
		AddNagChecks(app)
		r := &synthesized{stack: s, assets: assetsDir, layer: layer}
		r.root = assertions.Template_FromStack(s.Stack, nil)
		r.rest = assertions.Template_FromStack(s.RestAPI.NestedStack, nil)
		r.rootJSON = *r.root.ToJSON()
		r.restJSON = *r.rest.ToJSON()
		// A nested stack is no artifact of its own: its annotations are
		// recorded with the parent's.
		r.nagFindings = nagFindings(s.Stack, true)
		synthResult = r
	})
	if synthErr != nil {
		t.Fatalf("synthesize stack: %v", synthErr)
	}
	return synthResult
}

// check runs an assertions call; the library reports a failed assertion by
// panicking, which this turns into a test error with its message (the test
// goes on, so one run lists every mismatch).
func check(t *testing.T, what string, assertion func()) (ok bool) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%s: %v", what, r)
			ok = false
		}
	}()
	assertion()
	return true
}

// resources returns the resources of one type in a template, by logical id.
func resources(tmpl map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		if res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

func props(res map[string]any) map[string]any {
	p, _ := res["Properties"].(map[string]any)
	return p
}

// ref returns the logical id of a {"Ref": id} value.
func ref(v any) string {
	m, _ := v.(map[string]any)
	s, _ := m["Ref"].(string)
	return s
}

// getAtt returns the logical id and attribute of a {"Fn::GetAtt": [id, attr]} value.
func getAtt(v any) (string, string) {
	m, _ := v.(map[string]any)
	a, _ := m["Fn::GetAtt"].([]any)
	if len(a) != 2 {
		return "", ""
	}
	id, _ := a[0].(string)
	attr, _ := a[1].(string)
	return id, attr
}

// functionIDs maps function name -> logical id of its AWS::Lambda::Function,
// through the riptide:function tag.
func functionIDs(t *testing.T, root map[string]any) map[string]string {
	t.Helper()
	out := map[string]string{}
	for id, fn := range resources(root, "AWS::Lambda::Function") {
		tags, _ := props(fn)["Tags"].([]any)
		for _, tg := range tags {
			tag := tg.(map[string]any)
			if tag["Key"] == FunctionTag {
				name := tag["Value"].(string)
				if prev, dup := out[name]; dup {
					t.Fatalf("functions %s and %s are both tagged %s", prev, id, name)
				}
				out[name] = id
			}
		}
	}
	return out
}

// joined flattens a {"Fn::Join": ["", [...]]} into a string with each
// intrinsic written as <Ref:id> or <GetAtt:id.attr>, for readable matching.
func joined(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			var b strings.Builder
			for i, part := range j[1].([]any) {
				if i > 0 {
					b.WriteString(j[0].(string))
				}
				b.WriteString(joined(part))
			}
			return b.String()
		}
		if id := ref(x); id != "" {
			return "<Ref:" + id + ">"
		}
		if id, attr := getAtt(x); id != "" {
			return "<GetAtt:" + id + "." + attr + ">"
		}
	}
	return fmt.Sprintf("%v", v)
}
