package contract

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// CheckEnv names the directory of recorded traffic to check (`make
// contract` records the whole suite with httpx.ContractRecordEnv, then
// runs this test with CheckEnv pointing at the same directory).
const CheckEnv = "RIPTIDE_CONTRACT_CHECK"

func checker(t *testing.T) *Checker {
	t.Helper()
	c, err := New(routes.OpenAPIJSON())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRecordedTraffic holds every exchange the test suite recorded to the
// document, and names each operation and status that departs from it.
func TestRecordedTraffic(t *testing.T) {
	dir := os.Getenv(CheckEnv)
	if dir == "" {
		t.Skipf("no recorded traffic: run `make contract` (records the suite with %s, then checks it with %s)", httpx.ContractRecordEnv, CheckEnv)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no recordings in %s (%v)", dir, err)
	}
	c := checker(t)
	type finding struct {
		count   int
		example string
	}
	findings := map[string]*finding{}
	seen := map[string]int{}
	total := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for sc.Scan() {
			var ex httpx.Exchange
			if err := json.Unmarshal(sc.Bytes(), &ex); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if ex.Binary == "httpx.test" {
				// httpx's own tests mount placeholder handlers on the real
				// route table to test the middleware: their answers are
				// not the API's.
				continue
			}
			total++
			op, problems := c.Check(context.Background(), ex)
			seen[op]++
			for _, p := range problems {
				key := p.String()
				if findings[key] == nil {
					findings[key] = &finding{example: fmt.Sprintf("%s %s (in %s)", ex.Method, ex.URL, ex.Binary)}
				}
				findings[key].count++
			}
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	var unseen []string
	for _, r := range routes.Routes() {
		if r.Status == routes.Ready && seen[r.Op] == 0 {
			unseen = append(unseen, r.Op)
		}
	}
	t.Logf("%d exchanges checked over %d operations; ready operations no test called: %s", total, len(seen), strings.Join(unseen, ", "))
	keys := make([]string, 0, len(findings))
	for k := range findings {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		t.Errorf("%s\n    %d times, e.g. %s", k, findings[k].count, findings[k].example)
	}
}
