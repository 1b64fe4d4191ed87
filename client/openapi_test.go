package client

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The client's types are written by hand so that the package links only
// the standard library (the server's own types pull in Chromium, Redis and
// AWS clients). These tests hold them to the API's real shapes: the
// OpenAPI document the server generates from its route table.

// wireTypes maps every type the client sends or reads to its schema in
// openapi.json; nested types are checked through the fields that hold them.
var wireTypes = map[string]struct {
	v      any
	schema string
}{
	"CrawlRequest":         {CrawlRequest{}, "CrawlRequest"},
	"CrawlResponse":        {CrawlResponse{}, "CrawlBatchResponse"},
	"Accepted":             {Accepted{}, "CrawlAccepted"},
	"CrawlMetadataLine":    {CrawlMetadataLine{}, "CrawlMetadataLine"},
	"CrawlResultLine":      {CrawlResultLine{}, "CrawlResultLine"},
	"CrawlProgressLine":    {CrawlProgressLine{}, "CrawlProgressLine"},
	"CrawlSummaryLine":     {CrawlSummaryLine{}, "CrawlSummaryLine"},
	"ExtractRequest":       {ExtractRequest{}, "CrawlExtractRequest"},
	"Result":               {Result{}, "PipelineResult"},
	"StrategiesRequest":    {StrategiesRequest{}, "StrategiesCrawlRequest"},
	"StrategiesInfo":       {StrategiesInfo{}, "StrategiesInfo"},
	"RenderRequest":        {RenderRequest{}, "RenderRequest"},
	"RenderResponse":       {RenderResponse{}, "RenderResponse"},
	"SpiderRequest":        {SpiderRequest{}, "SpiderCrawlRequest"},
	"spiderSyncRequest":    {spiderSyncRequest{}, "SpiderCrawlRequest"},
	"spiderControlRequest": {spiderControlRequest{}, "SpiderControlRequest"},
	"SpiderAccepted":       {SpiderAccepted{}, "SpiderAccepted"},
	"SpiderStatus":         {SpiderStatus{}, "SpiderStatus"},
	"SpiderSyncResponse":   {SpiderSyncResponse{}, "SpiderSyncResponse"},
	"SpiderResultPage":     {SpiderResultPage{}, "SpiderResultPage"},
	"SpiderPage":           {SpiderPage{}, "SpiderResultLine"}, // a result line is the page plus its type
	"SpiderMetadataLine":   {SpiderMetadataLine{}, "SpidermetadataLine"},
	"SpiderSummaryLine":    {SpiderSummaryLine{}, "SpidersummaryLine"},
	"JobSpec":              {JobSpec{}, "WorkersJobSpec"},
	"JobAccepted":          {JobAccepted{}, "WorkersAccepted"},
	"Job":                  {Job{}, "WorkersJob"},
	"JobPage":              {JobPage{}, "WorkersJobPage"},
	"JobResult":            {JobResult{}, "WorkersResult"},
	"SearchResponse":       {SearchResponse{}, "SearchResponse"},
	"HealthReport":         {HealthReport{}, "HealthReport"},
	"errorBody":            {errorBody{}, "Error"},
}

// notWire are the package's struct types that are not JSON bodies, or are
// checked as a field of one of wireTypes.
var notWire = []string{"Client", "call", "RetryPolicy", "JobFilter", "SearchQuery", "SSEEvent", "CrawlEvent", "SpiderEvent",
	"streamLine", "Error", "ErrorDetail", "Options", "CrawlOptions", "ChunkOptions", "Document", "Link", "ErrorInfo", "Stats",
	"CrawlProgress", "StrategySpec", "StrategyStep", "StrategyResult", "StrategyProblem", "StrategyInfo", "RenderWait",
	"RenderArtifacts", "RenderAction", "PDFOptions", "ScreenshotOptions", "RenderedFiles", "Artifact", "SpiderOptions", "JobProgress", "JobResultInfo",
	"JobCrawlItem", // the items of a job result are free-form in the schema (they depend on the job type)

	"SearchResult", "HealthComponent"}

func loadOpenAPI(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile("../shared/routes/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestTypesMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for name, w := range wireTypes {
		s, ok := schemas[w.schema].(map[string]any)
		if !ok {
			t.Errorf("%s: no schema %s in openapi.json", name, w.schema)
			continue
		}
		c := schemaChecker{schemas: schemas}
		c.check(reflect.TypeOf(w.v), s, name)
		for _, p := range c.problems {
			t.Error(p)
		}
	}
}

// TestEveryStructIsChecked fails when a struct type is added to the
// package without saying whether it is a wire type.
func TestEveryStructIsChecked(t *testing.T) {
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if _, isStruct := ts.Type.(*ast.StructType); !isStruct {
				return true
			}
			if _, ok := wireTypes[ts.Name.Name]; !ok && !slices.Contains(notWire, ts.Name.Name) {
				t.Errorf("struct %s is neither in wireTypes (checked against openapi.json) nor in notWire", ts.Name.Name)
			}
			return true
		})
	}
}

// schemaChecker checks that every JSON field of a Go type exists in a
// schema with a compatible type.
type schemaChecker struct {
	schemas  map[string]any
	problems []string
}

func (c *schemaChecker) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s = c.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
}

// alternatives returns the non-null schemas s allows (itself, or the
// branches of its oneOf/anyOf).
func (c *schemaChecker) alternatives(s map[string]any) []map[string]any {
	s = c.resolve(s)
	var branches []any
	if b, ok := s["oneOf"].([]any); ok {
		branches = b
	} else if b, ok := s["anyOf"].([]any); ok {
		branches = b
	} else {
		return []map[string]any{s}
	}
	var out []map[string]any
	for _, b := range branches {
		bs := c.resolve(b.(map[string]any))
		if bs["type"] == "null" {
			continue
		}
		out = append(out, c.alternatives(bs)...)
	}
	return out
}

func schemaTypes(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, x.(string))
		}
		return out
	}
	return nil // any type
}

var (
	rawMessageType = reflect.TypeOf(json.RawMessage{})
	timeType       = reflect.TypeOf(time.Time{})
)

func (c *schemaChecker) check(t reflect.Type, s map[string]any, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType || t.Kind() == reflect.Interface {
		return
	}
	alts := c.alternatives(s)
	want := func(kinds ...string) bool {
		for _, a := range alts {
			types := schemaTypes(a)
			if types == nil {
				return true
			}
			for _, k := range kinds {
				if slices.Contains(types, k) {
					return true
				}
			}
		}
		c.problems = append(c.problems, path+": Go "+t.String()+" but the schema allows "+describe(alts))
		return false
	}
	switch {
	case t == timeType:
		want("string")
	case t.Kind() == reflect.String:
		want("string")
	case t.Kind() == reflect.Bool:
		want("boolean")
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		want("integer")
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		want("number", "integer")
	case t.Kind() == reflect.Slice:
		if want("array") {
			for _, a := range alts {
				if items, ok := a["items"].(map[string]any); ok {
					c.check(t.Elem(), items, path+"[]")
				}
			}
		}
	case t.Kind() == reflect.Map:
		if want("object") {
			for _, a := range alts {
				if ap, ok := a["additionalProperties"].(map[string]any); ok {
					c.check(t.Elem(), ap, path+"{}")
				} else if a["additionalProperties"] == false && len(propsOf(a)) > 0 {
					c.problems = append(c.problems, path+": Go map but the schema is a closed object")
				}
			}
		}
	case t.Kind() == reflect.Struct:
		if !want("object") {
			return
		}
		props := map[string]any{}
		for _, a := range alts {
			for k, v := range propsOf(a) {
				props[k] = v
			}
		}
		if len(props) == 0 {
			return // a free-form object
		}
		c.checkFields(t, props, path)
	default:
		c.problems = append(c.problems, path+": unexpected Go kind "+t.Kind().String())
	}
}

func (c *schemaChecker) checkFields(t reflect.Type, props map[string]any, path string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			c.checkFields(ft, props, path)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		p, ok := props[name].(map[string]any)
		if !ok {
			c.problems = append(c.problems, path+"."+name+": no such property in the schema")
			continue
		}
		c.check(f.Type, p, path+"."+name)
	}
}

func propsOf(s map[string]any) map[string]any {
	p, _ := s["properties"].(map[string]any)
	return p
}

func describe(alts []map[string]any) string {
	var out []string
	for _, a := range alts {
		out = append(out, strings.Join(schemaTypes(a), "|"))
	}
	return strings.Join(out, " or ")
}

// TestRoutesExistInOpenAPI calls every method of the client against a
// loopback server that records the method and path, and checks each is an
// operation of openapi.json.
func TestRoutesExistInOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Method+" "+r.URL.Path] = true
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer srv.Close()
	c, err := New(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, _ = c.Crawl(ctx, CrawlRequest{URLs: []string{"http://127.0.0.1/"}})
	for range c.CrawlStream(ctx, CrawlRequest{}) {
	}
	for range c.CrawlSSE(ctx, CrawlRequest{}) {
	}
	_, _ = c.Extract(ctx, ExtractRequest{})
	_, _ = c.ExtractWithStrategy(ctx, StrategiesRequest{})
	_, _ = c.Strategies(ctx)
	_, _ = c.Render(ctx, RenderRequest{})
	_, _ = c.SpiderStart(ctx, SpiderRequest{})
	_, _ = c.SpiderCrawlSync(ctx, SpiderRequest{})
	_, _ = c.SpiderStatus(ctx, "abc")
	_, _ = c.SpiderStop(ctx, "abc")
	_, _ = c.SpiderResults(ctx, "abc", "", 0)
	for range c.SpiderResultsStream(ctx, "abc", false) {
	}
	_, _ = c.SubmitJob(ctx, JobSpec{})
	_, _ = c.Job(ctx, "j1")
	_, _ = c.ListJobs(ctx, JobFilter{})
	_, _ = c.CancelJob(ctx, "j1")
	_, _ = c.JobResult(ctx, "j1", "")
	_, _ = c.Search(ctx, SearchQuery{Q: "x"})
	_, _ = c.Health(ctx)

	paths := doc["paths"].(map[string]any)
	if len(seen) < 17 {
		t.Fatalf("only %d distinct calls recorded: %v", len(seen), seen)
	}
	for call := range seen {
		method, path, _ := strings.Cut(call, " ")
		found := false
		for tmpl, ops := range paths {
			re := regexp.MustCompile("^" + regexp.MustCompile(`\\\{[^}]+\\\}`).ReplaceAllString(regexp.QuoteMeta(tmpl), `[^/]+`) + "$")
			if _, ok := ops.(map[string]any)[strings.ToLower(method)]; ok && re.MatchString(path) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("%s is not an operation of openapi.json", call)
		}
	}
}
