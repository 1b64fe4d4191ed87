package archtest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
)

// metricsHomes are the functions that serve /metrics (health.metrics):
// the only ones that may link Prometheus.
var metricsHomes = map[string]bool{"health": true}

// TestOnlyMetricsHomesLinkPrometheus: client_golang and what it pulls in
// (protobuf, procfs) cost every Lambda that links them milliseconds of
// package init at each cold start, for a registry no one can scrape
// outside the function serving /metrics (docs/cold-start.md). The
// registry is installed by healthwire; a function that links it anyway
// fails here.
func TestOnlyMetricsHomesLinkPrometheus(t *testing.T) {
	root := functest.RepoRoot(t)
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, e := range entries {
		if e.IsDir() {
			pkgs = append(pkgs, "./functions/"+e.Name())
		}
	}
	if len(pkgs) < 2 {
		t.Fatalf("found only %v under functions/", pkgs)
	}
	linked := map[string]bool{}
	// One go list for every function: {{.Deps}} is the transitive closure.
	for _, line := range goList(t, root, append([]string{"-f", "{{.ImportPath}} {{join .Deps \" \"}}"}, pkgs...)...) {
		fields := strings.Fields(line)
		name := strings.TrimPrefix(fields[0], module+"/functions/")
		for _, dep := range fields[1:] {
			if strings.HasPrefix(dep, "github.com/prometheus/") {
				linked[name] = true
				if !metricsHomes[name] {
					t.Errorf("function %s links %s: only the functions serving /metrics (%v) may link Prometheus; record through monitor.Recorder or httpx.RequestMetrics instead", name, dep, metricsHomes)
				}
				break
			}
		}
	}
	for home := range metricsHomes {
		if !linked[home] {
			t.Errorf("function %s serves /metrics but links no Prometheus: is the registry still installed (healthwire)?", home)
		}
	}
}
