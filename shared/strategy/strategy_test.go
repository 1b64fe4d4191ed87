package strategy_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/riptidecrawler/riptide/shared/strategy"
)

const productPage = `<!doctype html><html lang="en"><head><title>Blue Kettle | Shop</title>
<meta property="og:title" content="Blue Kettle">
<meta property="og:image" content="/img/kettle.jpg">
<meta property="og:image" content="/img/kettle-2.jpg">
<meta name="twitter:card" content="summary">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"Product","name":"Blue Kettle","sku":"BK-1","offers":{"@type":"Offer","price":"39.90","priceCurrency":"EUR"}},
 {"@type":"BreadcrumbList","itemListElement":[]}]}</script>
<script type="application/ld+json">{ not json</script>
</head><body>
<nav><a href="/">Home</a></nav>
<main>
<article itemscope itemtype="https://schema.org/Product" id="p">
 <h1 itemprop="name">Blue Kettle</h1>
 <span class="price">€1.299,50</span>
 <span class="was">call us</span>
 <time class="released" datetime="2024-03-05">March 5</time>
 <span class="stock">yes</span>
 <a class="more" href="/kettles/blue?ref=x">details</a>
 <img itemprop="image" src="/img/kettle.jpg" alt="kettle">
 <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
   <meta itemprop="priceCurrency" content="EUR"><span itemprop="price">39.90</span>
 </div>
 <ul class="specs">
  <li><b>Volume</b> <i>1.7 l</i> <em>1,7</em></li>
  <li><b>Power</b> <i>2200 W</i> <em>2200</em></li>
  <li><b>Weight</b> <i>heavy</i> <em>n/a</em></li>
 </ul>
 <p>Contact sales@Example.COM or +49 30 1234567, or call (030) 7654321 before 2024-06-30.
 Prices from $12.50 or 9,99 € or EUR 1,299.00. Read https://shop.test/faq.</p>
</article>
</main></body></html>`

func input(t *testing.T, page string) *strategy.Input {
	t.Helper()
	p, err := extract.Parse(context.Background(), []byte(page), "http://shop.test/kettles/blue", 0)
	if err != nil {
		t.Fatal(err)
	}
	return strategy.NewInput(p, []byte(page), nil)
}

func registry() *strategy.Registry {
	return strategy.NewRegistry(strategy.Builtins(strategy.BuiltinOptions{})...)
}

func run(t *testing.T, spec string) *strategy.Result {
	t.Helper()
	res, err := runErr(t, spec)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func runErr(t *testing.T, spec string) (*strategy.Result, error) {
	t.Helper()
	var s strategy.Spec
	if err := json.Unmarshal([]byte(spec), &s); err != nil {
		t.Fatal(err)
	}
	plan, err := registry().Compile(s, "extraction")
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return plan.Run(context.Background(), input(t, productPage))
}

func problems(r *strategy.Result, kind string) map[string]string {
	out := map[string]string{}
	for _, p := range r.Problems {
		if p.Kind == kind {
			out[p.Field] = p.Message + "|" + p.Value
		}
	}
	return out
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCSSFieldsTypesListsAndNesting(t *testing.T) {
	r := run(t, `{"strategy":"css","params":{"fields":{
		"name":"h1",
		"price":{"selector":".price","type":"number"},
		"was":{"selector":".was","type":"number"},
		"released":{"selector":"time.released","type":"date"},
		"in_stock":{"selector":".stock","type":"boolean"},
		"link":{"selector":"a.more","value":"attr:href","type":"url"},
		"image_html":{"selector":"img","value":"html"},
		"specs":{"selector":"ul.specs li","list":true,"fields":{"label":"b","value":"i","number":{"selector":"em","type":"number"}}},
		"labels":{"selector":"ul.specs b","list":true},
		"missing":{"selector":".nope","required":true},
		"absent":".nothing-here"}}}`)
	d := r.Data
	want := map[string]any{
		"name": "Blue Kettle", "price": 1299.5, "was": nil, "released": "2024-03-05", "in_stock": true,
		"link": "http://shop.test/kettles/blue?ref=x", "missing": nil, "absent": nil,
	}
	for k, v := range want {
		if !reflect.DeepEqual(d[k], v) {
			t.Errorf("%s = %#v, want %#v", k, d[k], v)
		}
	}
	if h, _ := d["image_html"].(string); !strings.HasPrefix(h, `<img itemprop="image" src="/img/kettle.jpg"`) {
		t.Errorf("image_html = %q", h)
	}
	if got := jsonOf(d["specs"]); got != `[{"label":"Volume","number":1.7,"value":"1.7 l"},{"label":"Power","number":2200,"value":"2200 W"},{"label":"Weight","number":null,"value":"heavy"}]` {
		t.Errorf("specs = %s", got)
	}
	if got := jsonOf(d["labels"]); got != `["Volume","Power","Weight"]` {
		t.Errorf("labels = %s", got)
	}
	pe := problems(r, strategy.ProblemParse)
	if pe["was"] == "" || !strings.HasSuffix(pe["was"], "|call us") {
		t.Errorf("parse error for was: %q (all: %v)", pe["was"], pe)
	}
	if pe["specs[2].number"] == "" {
		t.Errorf("parse error for specs[2].number missing: %v", pe)
	}
	if len(pe) != 2 {
		t.Errorf("parse errors: %v", pe)
	}
	if m := problems(r, strategy.ProblemMissing); len(m) != 1 || m["missing"] == "" {
		t.Errorf("missing problems: %v", m)
	}
	if r.Sources["name"] != "css" || r.Sources["missing"] != "" {
		t.Errorf("sources: %v", r.Sources)
	}
}

func TestXPathElementsAttributesAndValues(t *testing.T) {
	r := run(t, `{"strategy":"xpath","params":{"fields":{
		"name":"//h1",
		"link":{"selector":"//a[@class='more']/@href","type":"url"},
		"count":{"selector":"count(//ul[@class='specs']/li)","type":"integer"},
		"specs":{"selector":"//ul[@class='specs']/li","list":true,"fields":{"label":"./b","power":{"selector":"./em","type":"number"}}}}}}`)
	if r.Data["name"] != "Blue Kettle" || r.Data["link"] != "http://shop.test/kettles/blue?ref=x" || r.Data["count"] != int64(3) {
		t.Errorf("data: %v", jsonOf(r.Data))
	}
	if got := jsonOf(r.Data["specs"]); got != `[{"label":"Volume","power":1.7},{"label":"Power","power":2200},{"label":"Weight","power":null}]` {
		t.Errorf("specs = %s", got)
	}
}

func TestRegexBuiltinsAndPatterns(t *testing.T) {
	r := run(t, `{"strategy":"regex","params":{"default_region":"DE","patterns":[
		{"name":"emails","builtin":"email"},
		{"name":"phones","builtin":"phone"},
		{"name":"prices","builtin":"price"},
		{"name":"dates","builtin":"date"},
		{"name":"urls","builtin":"url"},
		{"name":"sku","pattern":"BK-(\\d+)"},
		{"name":"first_word","pattern":"(?P<w>Contact) (?P<rest>\\w+)","group":"rest","first":true},
		{"name":"never","pattern":"zzz\\d","required":true}]}}`)
	check := func(field, want string) {
		t.Helper()
		if got := jsonOf(r.Data[field]); got != want {
			t.Errorf("%s = %s, want %s", field, got, want)
		}
	}
	check("emails", `["sales@example.com"]`)
	check("phones", `["+49301234567","+49307654321"]`)
	check("prices", `[{"amount":1299.5,"currency":"EUR","text":"€1.299,50"},{"amount":12.5,"currency":"USD","text":"$12.50"},{"amount":9.99,"currency":"EUR","text":"9,99 €"},{"amount":1299,"currency":"EUR","text":"EUR 1,299.00"}]`)
	check("dates", `["2024-06-30"]`)
	check("urls", `["https://shop.test/faq"]`)
	check("sku", `[]`) // the SKU is only in JSON-LD, not in the visible text
	check("first_word", `"sales"`)
	check("never", `[]`)
	if m := problems(r, strategy.ProblemMissing); m["never"] == "" {
		t.Errorf("required pattern without match not reported: %v", r.Problems)
	}
}

func TestRegexOverHTML(t *testing.T) {
	r := run(t, `{"strategy":"regex","params":{"source":"html","patterns":[{"name":"sku","pattern":"\"sku\":\"([^\"]+)\""}]}}`)
	if got := jsonOf(r.Data["sku"]); got != `["BK-1"]` {
		t.Errorf("sku = %s", got)
	}
}

func TestStructuredData(t *testing.T) {
	r := run(t, `{"strategy":"jsonld","params":{"types":["Product"]}}`)
	if got := jsonOf(r.Data["json_ld"]); !strings.Contains(got, `"sku":"BK-1"`) || strings.Contains(got, "BreadcrumbList") {
		t.Errorf("json_ld = %s", got)
	}
	if p := problems(r, strategy.ProblemSource); len(p) != 1 {
		t.Errorf("invalid JSON-LD block not reported: %v", r.Problems)
	}
	r = run(t, `{"strategy":"jsonld","params":{"fields":{"price":"offers.price","currency":"offers.priceCurrency","none":"offers.nothing"}}}`)
	if jsonOf(r.Data) != `{"currency":"EUR","none":null,"price":"39.90"}` {
		t.Errorf("jsonld fields: %s", jsonOf(r.Data))
	}
	r = run(t, `{"strategy":"microdata"}`)
	want := `[{"properties":{"image":["http://shop.test/img/kettle.jpg"],"name":["Blue Kettle"],"offers":[{"properties":{"price":["39.90"],"priceCurrency":["EUR"]},"type":["https://schema.org/Offer"]}]},"type":["https://schema.org/Product"]}]`
	if got := jsonOf(r.Data["microdata"]); got != want {
		t.Errorf("microdata = %s\nwant %s", got, want)
	}
	r = run(t, `{"strategy":"microdata","params":{"types":["Product"],"fields":{"price":"offers.price","name":"name"}}}`)
	if jsonOf(r.Data) != `{"name":"Blue Kettle","price":"39.90"}` {
		t.Errorf("microdata fields: %s", jsonOf(r.Data))
	}
	r = run(t, `{"strategy":"opengraph"}`)
	if got := jsonOf(r.Data["opengraph"]); got != `{"og:image":["/img/kettle.jpg","/img/kettle-2.jpg"],"og:title":"Blue Kettle","twitter:card":"summary"}` {
		t.Errorf("opengraph = %s", got)
	}
}

func TestChainMergePolicy(t *testing.T) {
	// css finds name and misses title; article fills title; css's name
	// wins over jsonld's because css comes first; jsonld fills sku.
	r := run(t, `{"chain":[
		{"strategy":"css","params":{"fields":{"name":"h1","title":".no-title","sku":".no-sku"}}},
		{"strategy":"jsonld","params":{"fields":{"name":"nonexistent","sku":"sku"}}},
		{"strategy":"article","params":{"fields":["title","language"]}}]}`)
	if r.Data["name"] != "Blue Kettle" || r.Data["sku"] != "BK-1" || r.Data["title"] != "Blue Kettle" || r.Data["language"] != "en" {
		t.Errorf("data: %s", jsonOf(r.Data))
	}
	want := map[string]string{"name": "css", "sku": "jsonld", "title": "article", "language": "article"}
	if !reflect.DeepEqual(r.Sources, want) {
		t.Errorf("sources = %v, want %v", r.Sources, want)
	}
	if len(r.Strategies) != 3 || r.Strategies[0].Fields != 1 || r.Strategies[1].Fields != 1 || r.Strategies[2].Fields != 2 {
		t.Errorf("steps: %+v", r.Strategies)
	}
}

func TestSchemaViolationsAreReportedPerField(t *testing.T) {
	r := run(t, `{"strategy":"css","params":{"fields":{"name":"h1","price":{"selector":".was","type":"number"},"stock":".stock"}},
		"schema":{"type":"object","required":["name","price","color"],
		"properties":{"name":{"type":"string","maxLength":5},"price":{"type":"number"},"stock":{"enum":["in","out"]}}}}`)
	if r.SchemaValid == nil || *r.SchemaValid {
		t.Fatalf("schema_valid = %v", r.SchemaValid)
	}
	v := problems(r, strategy.ProblemSchema)
	for _, f := range []string{"/name", "/price", "/stock", "/"} {
		if v[f] == "" {
			t.Errorf("no violation at %s: %v", f, v)
		}
	}
	// The data is returned as extracted, not coerced or dropped.
	if r.Data["name"] != "Blue Kettle" || r.Data["stock"] != "yes" {
		t.Errorf("data changed: %s", jsonOf(r.Data))
	}
	ok := run(t, `{"strategy":"css","params":{"fields":{"name":"h1"}},"schema":{"type":"object","properties":{"name":{"type":"string"}}}}`)
	if ok.SchemaValid == nil || !*ok.SchemaValid || len(problems(ok, strategy.ProblemSchema)) != 0 {
		t.Errorf("valid data: %+v", ok)
	}
}

func TestCompileErrors(t *testing.T) {
	reg := registry()
	cases := map[string]string{
		`{}`: "extraction.strategy: required",
		`{"strategy":"css","chain":[{"strategy":"article"}]}`: "not both",
		`{"strategy":"nope"}`:                                                                                `unknown strategy "nope"`,
		`{"strategy":"css","params":{"fields":{"a":"h1["}}}`:                                                 "extraction.params: fields.a.selector",
		`{"strategy":"css","params":{"fields":{"a":{"selector":"h1","type":"money"}}}}`:                      "fields.a.type",
		`{"strategy":"css","params":{"fields":{"a":{"selector":"h1","typo":1}}}}`:                            `unknown field "typo"`,
		`{"strategy":"xpath","params":{"fields":{"a":"//h1[["}}}`:                                            "fields.a.selector",
		`{"strategy":"regex","params":{"patterns":[{"name":"a","pattern":"(?<x"}]}}`:                         "patterns[0].pattern",
		`{"strategy":"regex","params":{"patterns":[{"name":"a","builtin":"iban"}]}}`:                         "patterns[0].builtin",
		`{"strategy":"regex","params":{"default_region":"XX","patterns":[{"name":"a","builtin":"phone"}]}}`:  "default_region",
		`{"chain":[{"strategy":"article"},{"strategy":"css"}]}`:                                              "extraction.chain[1].params: fields",
		`{"strategy":"article","schema":{"type":"object","properties":{"a":{"$ref":"file:///etc/passwd"}}}}`: "extraction.schema",
		`{"strategy":"article","schema":{"type":12}}`:                                                        "extraction.schema",
		`{"strategy":"wasm","params":{"module":"abc"}}`:                                                      "needs a WASM runtime",
	}
	for spec, want := range cases {
		var s strategy.Spec
		if err := json.Unmarshal([]byte(spec), &s); err != nil {
			t.Fatal(err)
		}
		_, err := reg.Compile(s, "extraction")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", spec, err, want)
		}
	}
	_, err := reg.Compile(strategy.Spec{Strategy: "llm"}, "options.extraction")
	if core.TypeOf(err) != core.ErrNotImplemented || !strings.Contains(err.Error(), strategy.LLMNeeds) {
		t.Errorf("llm without provider: %v", err)
	}
}

// llmStandIn shows how the LLM strategy plugs in: a Definition registered
// under the declared name, reading the article and the schema.
type llmStandIn struct{ instructions string }

func (s llmStandIn) Extract(ctx context.Context, in *strategy.Input) (*strategy.Output, error) {
	doc, err := in.Article(ctx)
	if err != nil {
		return nil, err
	}
	return &strategy.Output{Fields: map[string]any{
		"summary":      s.instructions + ": " + doc.Title,
		"schema_given": len(in.Schema) > 0,
		"saw_name":     in.Found["name"],
	}}, nil
}

func TestRegisterReplacesADeclaration(t *testing.T) {
	reg := registry()
	for _, info := range reg.Catalog() {
		if info.Name == "llm" && (info.Available || info.Needs == "") {
			t.Errorf("declared llm: %+v", info)
		}
	}
	reg.Register(strategy.Definition{Name: "llm", Description: "test", New: func(p json.RawMessage) (strategy.Strategy, error) {
		var v struct {
			Instructions string `json:"instructions"`
		}
		_ = json.Unmarshal(p, &v)
		return llmStandIn{v.Instructions}, nil
	}})
	plan, err := reg.Compile(strategy.Spec{Chain: []strategy.Step{
		{Strategy: "css", Params: json.RawMessage(`{"fields":{"name":"h1"}}`)},
		{Strategy: "llm", Params: json.RawMessage(`{"instructions":"summarise"}`)},
	}, Schema: json.RawMessage(`{"type":"object"}`)}, "extraction")
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), input(t, productPage))
	if err != nil {
		t.Fatal(err)
	}
	if res.Data["summary"] != "summarise: Blue Kettle" || res.Data["schema_given"] != true || res.Data["saw_name"] != "Blue Kettle" {
		t.Errorf("data: %s", jsonOf(res.Data))
	}
	var names []string
	for _, info := range reg.Catalog() {
		names = append(names, info.Name)
		if info.Name == "llm" && !info.Available {
			t.Errorf("llm still unavailable after Register")
		}
	}
	if strings.Join(names, ",") != "article,css,xpath,regex,jsonld,microdata,opengraph,wasm,llm" {
		t.Errorf("catalogue order: %v", names)
	}
}

type failing struct{ err error }

func (f failing) Extract(context.Context, *strategy.Input) (*strategy.Output, error) {
	return nil, f.err
}

type panicking struct{}

func (panicking) Extract(context.Context, *strategy.Input) (*strategy.Output, error) { panic("boom") }

func TestFailedStepsAreReportedAndOnlyAllFailedIsAnError(t *testing.T) {
	reg := registry()
	down := core.Errorf(core.ErrDependency, "provider down")
	reg.Register(strategy.Definition{Name: "down", New: func(json.RawMessage) (strategy.Strategy, error) { return failing{down}, nil }})
	reg.Register(strategy.Definition{Name: "panics", New: func(json.RawMessage) (strategy.Strategy, error) { return panicking{}, nil }})
	plan, err := reg.Compile(strategy.Spec{Chain: []strategy.Step{{Strategy: "panics"}, {Strategy: "down"}, {Strategy: "article", Params: json.RawMessage(`{"fields":["title"]}`)}}}, "x")
	if err != nil {
		t.Fatal(err)
	}
	res, err := plan.Run(context.Background(), input(t, productPage))
	if err != nil {
		t.Fatal(err)
	}
	if res.Data["title"] != "Blue Kettle" || len(res.Problems) != 2 || res.Problems[0].Kind != strategy.ProblemStep || res.Problems[1].Strategy != "down" {
		t.Errorf("result: %s", jsonOf(res))
	}
	if res.Strategies[0].Error == nil || !strings.Contains(res.Strategies[0].Error.Message, "boom") || res.Strategies[1].Error.Type != core.ErrDependency {
		t.Errorf("steps: %s", jsonOf(res.Strategies))
	}
	plan, _ = reg.Compile(strategy.Spec{Strategy: "down"}, "x")
	if _, err := plan.Run(context.Background(), input(t, productPage)); !errors.Is(err, down) {
		t.Errorf("single failed step: %v", err)
	}
}

func TestNestingAndSizeLimits(t *testing.T) {
	deep := `"h1"`
	for range 10 {
		deep = `{"selector":"div","fields":{"x":` + deep + `}}`
	}
	var s strategy.Spec
	_ = json.Unmarshal([]byte(`{"strategy":"css","params":{"fields":{"a":`+deep+`}}}`), &s)
	if _, err := registry().Compile(s, "e"); err == nil || !strings.Contains(err.Error(), "nest") {
		t.Errorf("deep nesting: %v", err)
	}
}
