package keys_test

import (
	"context"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
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

func TestKeyPlanIsValidatedAndKept(t *testing.T) {
	svc := &keys.Service{Store: &memStore{m: map[string]keys.Key{}}, Pepper: []byte("p"),
		KnownPlan: func(n string) bool { return n == "pro" }}
	ctx := context.Background()
	for _, bad := range []string{"Pro", "a b", "unknown"} {
		_, _, err := svc.Create(ctx, keys.Spec{Scopes: []keys.Scope{"crawl"}, Plan: bad})
		if e := core.AsError(err); e == nil || e.Type != core.ErrValidation || len(e.Details) == 0 || e.Details[0].Field != "plan" {
			t.Errorf("plan %q: %v", bad, err)
		}
	}
	k, _, err := svc.Create(ctx, keys.Spec{Scopes: []keys.Scope{"crawl"}, Plan: "pro", RateLimit: 5})
	if err != nil || k.Plan != "pro" {
		t.Fatalf("%+v %v", k, err)
	}
	_, next, _, err := svc.Rotate(ctx, k.ID, 0)
	if err != nil || next.Plan != "pro" || next.RateLimit != 5 {
		t.Fatalf("rotation lost the plan: %+v %v", next, err)
	}
}
