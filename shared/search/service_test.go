package search

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

func TestQueryNormalize(t *testing.T) {
	q, err := Query{Text: "  drop table users; union select -- <script>  "}.Normalize("")
	if err != nil {
		t.Fatalf("a query with SQL words must be accepted: %v", err)
	}
	if q.Text != "drop table users; union select -- <script>" || q.Limit != DefaultLimit || q.SafeSearch != SafeModerate {
		t.Fatalf("%+v", q)
	}
	for name, bad := range map[string]Query{
		"empty":        {Text: "   "},
		"control":      {Text: "a\x00b"},
		"newline":      {Text: "a\nb"},
		"too long":     {Text: strings.Repeat("é", MaxQueryRunes+1)},
		"bad utf8":     {Text: "a\xffb"},
		"limit":        {Text: "a", Limit: MaxLimit + 1},
		"country":      {Text: "a", Country: "usa"},
		"language":     {Text: "a", Language: "english"},
		"freshness":    {Text: "a", Freshness: "hour"},
		"safe_search":  {Text: "a", SafeSearch: "on"},
		"negative lim": {Text: "a", Limit: -1},
	} {
		if _, err := bad.Normalize("x."); core.TypeOf(err) != core.ErrValidation {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := (Query{Text: strings.Repeat("é", MaxQueryRunes)}).Normalize(""); err != nil {
		t.Fatalf("500 characters (1000 bytes) is allowed: %v", err)
	}
}

func TestParsePublished(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]string{
		"2026-03-03T10:00:00":           "2026-03-03T10:00:00Z",
		"2026-03-03T10:00:00+02:00":     "2026-03-03T08:00:00Z",
		"2026-03-03T10:00:00.123456":    "2026-03-03T10:00:00.123456Z",
		"Mar 3, 2026":                   "2026-03-03T00:00:00Z",
		"Tue, 03 Mar 2026 10:00:00 GMT": "2026-03-03T10:00:00Z",
		"3 days ago":                    "2026-03-07T12:00:00Z",
		"an hour ago":                   "2026-03-10T11:00:00Z",
		"2 weeks ago":                   "2026-02-24T12:00:00Z",
	} {
		got := parsePublished(in, now)
		if got == nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("%q: got %v, want %s", in, got, want)
		}
	}
	for _, in := range []string{"", "yesterday-ish", "0001-01-01T00:00:00"} {
		if got := parsePublished(in, now); got != nil {
			t.Errorf("%q: got %v, want nil", in, got)
		}
	}
}

func TestServiceResolve(t *testing.T) {
	ctx := context.Background()
	f := newFakeVendor(t, 200, fixture(t, "tavily_response.json"))
	serper := NewSerper(keys(nil), nil)
	tavily := NewTavily(keys(map[string]string{TavilyKeyVar: "k"}), nil)
	tavily.BaseURL = f.URL
	s := &Service{Providers: []Provider{serper, NewBrave(keys(nil), nil), tavily, NewSearXNG("", nil)}}

	p, err := s.Resolve(ctx, "")
	if err != nil || p.Name() != "tavily" {
		t.Fatalf("auto picked %v, %v; want the first configured (tavily)", p, err)
	}
	if _, err := s.Resolve(ctx, "serper"); core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), SerperKeyVar) {
		t.Fatalf("serper without a key: %v", err)
	}
	if _, err := s.Resolve(ctx, "bing"); core.TypeOf(err) != core.ErrValidation {
		t.Fatalf("unknown provider: %v", err)
	}
	s.Default = "serper"
	if _, err := s.Resolve(ctx, ""); core.TypeOf(err) != core.ErrDependency {
		t.Fatalf("default serper without a key: %v", err)
	}
	none := &Service{Providers: []Provider{serper, NewSearXNG("", nil)}}
	_, err = none.Resolve(ctx, "auto")
	if core.TypeOf(err) != core.ErrDependency || !strings.Contains(err.Error(), SerperKeyVar) || !strings.Contains(err.Error(), SearXNGURLVar) {
		t.Fatalf("nothing configured: %v", err)
	}
}

func TestServiceBreakerOpensOnFailuresAndRateLimits(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	f := newFakeVendor(t, 503, []byte(`{"error":"down"}`))
	p := NewSerper(keys(map[string]string{SerperKeyVar: "k"}), nil)
	p.BaseURL = f.URL
	s := &Service{Providers: []Provider{p}, Breaker: &vendorhttp.Breaker{State: &vendorhttp.MemoryBreakerState{Now: clock}, Threshold: 3, Cooldown: 20 * time.Second, Now: clock}}
	q := Query{Text: "x", Limit: 1, SafeSearch: SafeModerate}
	for range 3 {
		if _, err := s.Search(ctx, "", q); core.TypeOf(err) != core.ErrDependency {
			t.Fatal(err)
		}
	}
	_, err := s.Search(ctx, "", q)
	if e := core.AsError(err); e.Type != core.ErrDependency || e.RetryAfterSeconds != 20 || !strings.Contains(e.Message, "circuit open") {
		t.Fatalf("open circuit: %v", err)
	}
	if f.count() != 3 {
		t.Fatalf("the vendor got %d calls; the open circuit must stop the 4th", f.count())
	}
	now = now.Add(21 * time.Second)
	f.set(429, http.Header{"Retry-After": {"60"}}, []byte(`{}`))
	if _, err := s.Search(ctx, "", q); core.TypeOf(err) != core.ErrRateLimited {
		t.Fatalf("after cooldown the vendor is called again: %v", err)
	}
	_, err = s.Search(ctx, "", q)
	if e := core.AsError(err); e.RetryAfterSeconds != 60 {
		t.Fatalf("a 429 opens the circuit for its Retry-After: %v", err)
	}
	now = now.Add(61 * time.Second)
	f.set(200, nil, fixture(t, "serper_response.json"))
	if _, err := s.Search(ctx, "", q); err != nil {
		t.Fatal(err)
	}
}
