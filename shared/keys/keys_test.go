package keys_test

import (
	"testing"

	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/routes"
)

func TestScopesCoverRouteGroups(t *testing.T) {
	has := func(s ...keys.Scope) []keys.Scope { return s }
	for _, rt := range routes.Routes() {
		need := keys.Scope(rt.Scope())
		if !keys.ValidScope(need) {
			t.Fatalf("%s needs unknown scope %q", rt.Op, need)
		}
		if !keys.Allows(has(keys.ScopeAdmin), need, rt.ReadOnly()) {
			t.Fatalf("admin cannot call %s", rt.Op)
		}
		if !keys.Allows(has(need), need, rt.ReadOnly()) {
			t.Fatalf("the %s scope cannot call %s", need, rt.Op)
		}
		readOK := keys.Allows(has(keys.ScopeRead), need, rt.ReadOnly())
		if want := rt.ReadOnly() && rt.Group != "admin" && rt.Group != "monitoring" || need == keys.ScopeRead; readOK != want {
			t.Fatalf("read scope on %s (%s %s): allowed=%v", rt.Op, rt.Method, rt.Path, readOK)
		}
	}
	cases := []struct {
		op   string
		need keys.Scope
	}{{"crawl.batch", keys.ScopeCrawl}, {"render.render", keys.ScopeRender}, {"spider.crawl", keys.ScopeSpider},
		{"workers.submit", keys.ScopeJobs}, {"deepsearch.search", keys.ScopeSearch}, {"llm.switch", keys.ScopeLLM},
		{"admin.keys.create", keys.ScopeAdmin}, {"firecrawl.scrape", keys.ScopeCrawl}, {"firecrawl.v2.scrape", keys.ScopeCrawl},
		{"firecrawl.crawl", keys.ScopeSpider}, {"firecrawl.v2.batch_scrape", keys.ScopeSpider}, {"firecrawl.map", keys.ScopeSpider}}
	for _, c := range cases {
		rt, _ := routes.Lookup(c.op)
		if keys.Scope(rt.Scope()) != c.need {
			t.Fatalf("%s needs %q, want %q", c.op, rt.Scope(), c.need)
		}
		if keys.Allows(has(keys.ScopeRead), c.need, rt.ReadOnly()) {
			t.Fatalf("read scope may call %s", c.op)
		}
	}
	if rt, _ := routes.Lookup("deepsearch.query"); rt.ReadOnly() {
		t.Fatal("a GET that searches is not read-only")
	}
}
