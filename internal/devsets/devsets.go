// Package devsets finds the pages of the extraction development sets
// (extraction-dev and extraction-modern, gzipped HTML) that the team keeps
// beside the checkout, for the tests and benchmarks that use them when
// they are there. A plain clone has none: callers skip or say so.
package devsets

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
)

// Names are the development sets, in the order their pages are listed.
var Names = []string{"extraction-dev", "extraction-modern"}

// Files lists the sets' page files, sorted, and the folder searched:
// RIPTIDE_EXTRACTION_SETS, else ../../../shared/bench (from a package
// directory two levels below the checkout, such as shared/extract).
func Files() (files []string, root string) {
	root = os.Getenv("RIPTIDE_EXTRACTION_SETS")
	if root == "" {
		root = "../../../shared/bench"
	}
	for _, set := range Names {
		m, _ := filepath.Glob(filepath.Join(root, set, "html", "*.html.gz"))
		files = append(files, m...)
	}
	slices.Sort(files)
	return files, root
}

// Read returns a page file's HTML.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	body, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return body, nil
}
