package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/riptidecrawler/riptide/shared/config"
)

// readmeConfig rewrites the configuration table in README.md from
// config.Vars (shared/config has the test that fails when it is stale).
func readmeConfig(root string) error {
	p := filepath.Join(root, "README.md")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	s := string(b)
	i := strings.Index(s, "| variable | default | meaning |")
	if i < 0 {
		return fmt.Errorf("README.md has no configuration table")
	}
	j := strings.Index(s[i:], "\n\n")
	if j < 0 {
		j = len(s) - i
	}
	s = s[:i] + strings.TrimRight(config.Markdown(), "\n") + s[i+j:]
	return os.WriteFile(p, []byte(s), 0o644)
}
