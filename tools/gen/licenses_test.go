package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLicenseVerdicts(t *testing.T) {
	for found, bad := range map[string]int{
		"MIT": 0, "Apache-2.0 AND MIT-0": 0, "MPL-2.0": 0,
		"GPL-3.0": 1, "AGPL-3.0 AND MIT": 1, "LGPL-2.1": 1, "SSPL-1.0": 1,
		"UNKNOWN (no recognised license file: review by hand)": 1,
	} {
		if got := verdict("example.test/m v1.0.0", found); len(got) != bad {
			t.Errorf("verdict(%q) = %v, want %d problems", found, got, bad)
		}
	}
}

// TestLicenseOfAModuleFolder: licensecheck names the licence of a real
// license text, and a folder without one is UNKNOWN (which fails the audit).
func TestLicenseOfAModuleFolder(t *testing.T) {
	dir := t.TempDir()
	if got := licenseOf(dir); !strings.HasPrefix(got, "UNKNOWN") {
		t.Fatalf("no license file: %q", got)
	}
	own, err := os.ReadFile(filepath.Join("..", "..", "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "LICENSE.txt"), own, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := licenseOf(dir); got != "Apache-2.0" || len(verdict("m", got)) != 0 {
		t.Fatalf("the project's own LICENSE: %q", got)
	}
}
