package functest

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// MetricFamilies returns "name type" of every family of a Prometheus text
// exposition (its # TYPE lines), sorted.
func MetricFamilies(exposition string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(exposition))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			out = append(out, f[2]+" "+f[3])
		}
	}
	slices.Sort(out)
	return out
}

// WantMetricFamilies returns the /metrics contract
// (internal/functest/testdata/metrics-families.txt). The process_*
// families are read from /proc: off Linux they are left out.
func WantMetricFamilies(t testing.TB) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(RepoRoot(t), "internal", "functest", "testdata", "metrics-families.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if runtime.GOOS != "linux" && strings.HasPrefix(l, "process_") {
			continue
		}
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// CheckMetricFamilies fails t unless every family of exposition is one of
// the contract's, with its type, and the families named in required (with
// their types) are all served. Families of labelled series appear only
// once a series exists, so a caller requires what its activity produced.
func CheckMetricFamilies(t testing.TB, exposition string, required ...string) {
	t.Helper()
	want := WantMetricFamilies(t)
	got := MetricFamilies(exposition)
	for _, f := range got {
		if !strings.HasPrefix(f, "process_") || runtime.GOOS == "linux" {
			if _, found := slices.BinarySearch(want, f); !found {
				t.Errorf("/metrics serves %q, which is not in the contract (internal/functest/testdata/metrics-families.txt)", f)
			}
		}
	}
	for _, r := range required {
		if _, found := slices.BinarySearch(got, r); !found {
			t.Errorf("/metrics lacks %q; it serves %v", r, got)
		}
	}
}
