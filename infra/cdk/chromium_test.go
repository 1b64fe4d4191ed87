package main

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/routes"
)

func TestChromiumLayerOnRenderFunctionOnly(t *testing.T) {
	s := shared(t)
	layers := resources(s.rootJSON, "AWS::Lambda::LayerVersion")
	layerID := only(t, layers)
	lp := props(layers[layerID])
	if got := stringList(lp["CompatibleArchitectures"]); len(got) != 1 || got[0] != "x86_64" {
		t.Errorf("layer architectures %v, want [x86_64] (the @sparticuz/chromium binary is x86-64)", got)
	}
	if got := stringList(lp["CompatibleRuntimes"]); len(got) != 1 || got[0] != "provided.al2023" {
		t.Errorf("layer runtimes %v, want [provided.al2023]", got)
	}
	// ~90 MB: through the CDK asset bucket, never inline.
	content, _ := lp["Content"].(map[string]any)
	if b := joined(content["S3Bucket"]); !strings.Contains(b, "cdk-") || content["S3Key"] == nil {
		t.Errorf("layer content %v, want an asset in the CDK asset bucket", content)
	}

	ids := functionIDs(t, s.rootJSON)
	for _, f := range routes.Functions() {
		fn := props(resources(s.rootJSON, "AWS::Lambda::Function")[ids[f.Name]])
		if dig(fn, "Code", "S3Key") == content["S3Key"] {
			t.Errorf("function %s deploys the layer zip as its code", f.Name)
		}
		env := functionEnv(s.rootJSON, ids[f.Name])
		if !f.NeedsChromium {
			if fn["Layers"] != nil {
				t.Errorf("function %s needs no Chromium but has layers %v", f.Name, fn["Layers"])
			}
			// The artifacts bucket is also where job result pages, large
			// spider result records and WASM modules live (workers, admin
			// for a tenant's deletion, the spider's functions, and every
			// function that runs extraction; artifacts_test.go).
			for _, k := range []string{"RIPTIDE_CHROMIUM_PATH", "FONTCONFIG_PATH", "RIPTIDE_ARTIFACTS_BUCKET"} {
				if k == "RIPTIDE_ARTIFACTS_BUCKET" && slices.Contains([]string{JobsWorker, "admin", "spider", "crawl", "firecrawl", "crawl-ws", "deepsearch", "strategies"}, f.Name) {
					continue
				}
				if v, ok := env[k]; ok {
					t.Errorf("function %s needs no Chromium but has %s = %v", f.Name, k, v)
				}
			}
			continue
		}
		l, _ := fn["Layers"].([]any)
		if len(l) != 1 || ref(l[0]) != layerID {
			t.Errorf("function %s: layers %v, want exactly the Chromium layer %s", f.Name, fn["Layers"], layerID)
		}
		if got := stringList(fn["Architectures"]); len(got) != 1 || got[0] != "x86_64" {
			t.Errorf("function %s: architectures %v, want x86_64 like its layer", f.Name, got)
		}
		for k, want := range map[string]string{"RIPTIDE_CHROMIUM_PATH": "/opt/chromium/chromium", "FONTCONFIG_PATH": "/opt/fonts"} {
			if env[k] != want {
				t.Errorf("function %s: %s = %v, want %s", f.Name, k, env[k], want)
			}
		}
	}
}

func TestMissingChromiumLayerIsNamed(t *testing.T) {
	dir := t.TempDir()
	zip := filepath.Join(dir, "chromium-layer.zip")
	err := CheckChromiumLayer(zip)
	if err == nil || !strings.Contains(err.Error(), zip) || !strings.Contains(err.Error(), "layers/chromium/build.sh") ||
		!strings.Contains(err.Error(), ChromiumLayerEnv) {
		t.Fatalf("CheckChromiumLayer = %v, want an error naming the zip, the build script and %s", err, ChromiumLayerEnv)
	}
	if err := CheckChromiumLayer(dir); err == nil {
		t.Errorf("CheckChromiumLayer(a directory) = nil, want an error")
	}
	if err := writeChromiumLayer(zip); err != nil {
		t.Fatal(err)
	}
	if err := CheckChromiumLayer(zip); err != nil {
		t.Errorf("CheckChromiumLayer with the zip present = %v", err)
	}
}
