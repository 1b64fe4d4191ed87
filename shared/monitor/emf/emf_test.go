package emf

import (
	"bytes"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/shared/monitor"
)

// cdkContract reads infra/cdk/metrics.go (another Go module, so it is
// parsed rather than imported): its string constants, the phases its
// Phases() returns and the metric specs its AppMetrics() returns.
type cdkContract struct {
	consts map[string]string
	phases []string
	specs  []Spec
}

func readCDKContract(t *testing.T) cdkContract {
	t.Helper()
	path := filepath.Join(functest.RepoRoot(t), "infra", "cdk", "metrics.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := cdkContract{consts: map[string]string{}}
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
			for _, s := range g.Specs {
				vs := s.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							c.consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	str := func(e ast.Expr, locals map[string]ast.Expr) string {
		switch v := e.(type) {
		case *ast.BasicLit:
			s, _ := strconv.Unquote(v.Value)
			return s
		case *ast.Ident:
			s, ok := c.consts[v.Name]
			if !ok {
				t.Fatalf("metrics.go: %s is not a string constant", v.Name)
			}
			return s
		}
		t.Fatalf("metrics.go: unexpected expression %T", e)
		return ""
	}
	var dimSets func(e ast.Expr, locals map[string]ast.Expr) [][]string
	dimSets = func(e ast.Expr, locals map[string]ast.Expr) [][]string {
		if id, ok := e.(*ast.Ident); ok {
			return dimSets(locals[id.Name], locals)
		}
		var out [][]string
		for _, set := range e.(*ast.CompositeLit).Elts {
			var names []string
			for _, n := range set.(*ast.CompositeLit).Elts {
				names = append(names, str(n, locals))
			}
			out = append(out, names)
		}
		return out
	}
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			continue
		}
		locals := map[string]ast.Expr{}
		for _, st := range fn.Body.List {
			switch s := st.(type) {
			case *ast.AssignStmt:
				for i, l := range s.Lhs {
					locals[l.(*ast.Ident).Name] = s.Rhs[i]
				}
			case *ast.ReturnStmt:
				lit, ok := s.Results[0].(*ast.CompositeLit)
				if !ok {
					continue
				}
				switch fn.Name.Name {
				case "Phases":
					for _, e := range lit.Elts {
						c.phases = append(c.phases, str(e, locals))
					}
				case "AppMetrics":
					for _, e := range lit.Elts {
						el := e.(*ast.CompositeLit).Elts
						c.specs = append(c.specs, Spec{Name: str(el[0], locals), Unit: str(el[1], locals), DimensionSets: dimSets(el[2], locals)})
					}
				}
			}
		}
	}
	return c
}

// The application emits exactly what the stack's alarms and dashboards
// read: namespace, dimension names, phases, metric names, units and
// dimension sets.
func TestContractMatchesCDK(t *testing.T) {
	c := readCDKContract(t)
	if c.consts["MetricNamespace"] != Namespace {
		t.Errorf("namespace %q, CDK %q", Namespace, c.consts["MetricNamespace"])
	}
	for name, want := range map[string]string{"DimFunction": DimFunction, "DimRoute": DimRoute, "DimPhase": DimPhase, "DimMode": DimMode,
		"ModeStatic": monitor.ModeStatic, "ModeHeadless": monitor.ModeHeadless} {
		if c.consts[name] != want {
			t.Errorf("%s: %q here, %q in the CDK", name, want, c.consts[name])
		}
	}
	var phases []string
	for _, p := range monitor.Phases() {
		phases = append(phases, p.String())
	}
	if len(c.phases) == 0 || !slices.Equal(phases, c.phases) {
		t.Errorf("phases %v, CDK %v", phases, c.phases)
	}
	if len(c.specs) == 0 || !slices.EqualFunc(Specs(), c.specs, func(a, b Spec) bool {
		return a.Name == b.Name && a.Unit == b.Unit && slices.EqualFunc(a.DimensionSets, b.DimensionSets, slices.Equal)
	}) {
		t.Errorf("metrics differ:\n here %v\n CDK  %v", Specs(), c.specs)
	}
}

// emfDoc is the part of an EMF line the test reads.
type emfDoc struct {
	AWS struct {
		Timestamp         int64
		CloudWatchMetrics []struct {
			Namespace  string
			Dimensions [][]string
			Metrics    []struct{ Name, Unit string }
		}
	} `json:"_aws"`
}

// Every line is valid EMF: each metric named with its spec's unit and
// dimension sets, each dimension and metric present at the root.
func TestLinesAreValidEMF(t *testing.T) {
	var buf bytes.Buffer
	r := New(&buf, "crawl")
	r.Now = func() time.Time { return time.UnixMilli(1764547200000) }
	p := monitor.Page{Mode: monitor.ModeStatic, Total: 412 * time.Millisecond, Cache: monitor.CacheMiss,
		ErrorType: "timeout_error", FailedPhase: monitor.PhaseFetch}
	p.Observe(monitor.PhaseFetch, 400*time.Millisecond)
	p.Observe(monitor.PhaseGate, 1500*time.Microsecond)
	r.RecordPage(p)
	r.RecordRequest(monitor.Request{Route: "crawl.batch", Status: 503, Duration: 20 * time.Millisecond})
	r.RecordBackup(1234)
	r.RecordSpiderPage("ok") // no CloudWatch metric: no line
	specs := map[string]Spec{}
	for _, s := range Specs() {
		specs[s.Name] = s
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines, want page + 2 phases + request + backup:\n%s", len(lines), buf.String())
	}
	seen := map[string]float64{}
	for _, l := range lines {
		var d emfDoc
		var root map[string]any
		if err := json.Unmarshal([]byte(l), &d); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		_ = json.Unmarshal([]byte(l), &root)
		if d.AWS.Timestamp != 1764547200000 {
			t.Errorf("timestamp %d", d.AWS.Timestamp)
		}
		for _, cw := range d.AWS.CloudWatchMetrics {
			if cw.Namespace != Namespace {
				t.Errorf("namespace %q", cw.Namespace)
			}
			for _, m := range cw.Metrics {
				s := specs[m.Name]
				if m.Unit != s.Unit || !slices.EqualFunc(cw.Dimensions, s.DimensionSets, slices.Equal) {
					t.Errorf("%s emitted as %s %v, spec %s %v", m.Name, m.Unit, cw.Dimensions, s.Unit, s.DimensionSets)
				}
				v, ok := root[m.Name].(float64)
				if !ok {
					t.Errorf("%s has no numeric value in %s", m.Name, l)
				}
				seen[m.Name+"/"+strOf(root["Phase"])] += v
			}
			for _, set := range cw.Dimensions {
				for _, dname := range set {
					if _, ok := root[dname].(string); !ok {
						t.Errorf("dimension %s missing in %s", dname, l)
					}
				}
			}
		}
	}
	want := map[string]float64{
		"PageLatency/": 412, "Pages/": 1, "PageFailures/": 1, "CacheHits/": 0, "CacheMisses/": 1,
		"PhaseLatency/fetch": 400, "PhaseErrors/fetch": 1, "PhaseLatency/gate": 1.5, "PhaseErrors/gate": 0,
		"Requests/": 1, "ServerErrors/": 1, "RequestLatency/": 20, "BackupCompleted/": 1, "BackupKeys/": 1234,
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s = %v, want %v", k, seen[k], v)
		}
	}
}

func strOf(v any) string { s, _ := v.(string); return s }

func TestStringsAreEscaped(t *testing.T) {
	got := string(appendString(nil, "a\"b\\c\n\x01é\xff"))
	var back string
	if err := json.Unmarshal([]byte(got), &back); err != nil || back != "a\"b\\c\n\x01é\ufffd" {
		t.Fatalf("%s -> %q %v", got, back, err)
	}
}
