package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// docs/monitoring.md is where the application side reads the metric
// contract: it must list exactly AppMetrics and Phases.
func TestMetricsContractIsDocumented(t *testing.T) {
	raw, err := os.ReadFile("../../docs/monitoring.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	if !strings.Contains(doc, "Namespace: `"+MetricNamespace+"`") {
		t.Errorf("docs/monitoring.md does not name the namespace %s", MetricNamespace)
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Za-z]+)` \\| ([A-Za-z]+) \\| ((?:\\[[A-Za-z, ]+\\](?:, )?)+) \\|")
	documented := map[string]MetricSpec{}
	for _, m := range row.FindAllStringSubmatch(doc, -1) {
		var sets [][]string
		for _, set := range regexp.MustCompile(`\[([A-Za-z, ]+)\]`).FindAllStringSubmatch(m[3], -1) {
			sets = append(sets, strings.Split(set[1], ", "))
		}
		documented[m[1]] = MetricSpec{m[1], m[2], sets}
	}
	for _, spec := range AppMetrics() {
		d, ok := documented[spec.Name]
		if !ok {
			t.Errorf("metric %s is not in docs/monitoring.md", spec.Name)
			continue
		}
		if d.Unit != spec.Unit || !slices.EqualFunc(d.DimensionSets, spec.DimensionSets, slices.Equal) {
			t.Errorf("metric %s documented as %s %v, defined as %s %v", spec.Name, d.Unit, d.DimensionSets, spec.Unit, spec.DimensionSets)
		}
		delete(documented, spec.Name)
	}
	for name := range documented {
		t.Errorf("docs/monitoring.md documents %s, which metrics.go does not define", name)
	}
	var phases []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z]+)` \\| ").FindAllStringSubmatch(doc, -1) {
		phases = append(phases, m[1])
	}
	if !slices.Equal(phases, Phases()) {
		t.Errorf("documented phases %v, want %v in pipeline order", phases, Phases())
	}
}
