package spider

import (
	"net/url"
	"testing"
)

func TestScopeRules(t *testing.T) {
	seeds := []string{"https://www.example.co.uk/", "http://127.0.0.1:8080/start"}
	cases := []struct {
		mode    ScopeMode
		include []string
		exclude []string
		url     string
		want    string
	}{
		{SameHost, nil, nil, "https://www.example.co.uk/a", ""},
		{SameHost, nil, nil, "https://blog.example.co.uk/a", SkipOutOfScope},
		{SameHost, nil, nil, "http://127.0.0.1:8081/", SkipOutOfScope},
		{SameDomain, nil, nil, "https://blog.example.co.uk/a", ""},
		{SameDomain, nil, nil, "https://other.co.uk/a", SkipOutOfScope},
		{SameDomain, nil, nil, "http://127.0.0.1:9/", ""}, // an IP stands for itself, any port
		{AnyHost, nil, nil, "https://anything.test/", ""},
		{SameHost, []string{"/blog/*"}, nil, "https://www.example.co.uk/blog/post", ""},
		{SameHost, []string{"/blog/*"}, nil, "https://www.example.co.uk/blog/2024/post", SkipExcluded},
		{SameHost, []string{"/blog/**"}, nil, "https://www.example.co.uk/blog/2024/post", ""},
		{SameHost, nil, []string{"/private/**"}, "https://www.example.co.uk/private/x/y", SkipExcluded},
		{SameHost, nil, []string{`re:\.pdf$`}, "https://www.example.co.uk/doc.pdf", SkipExcluded},
		{SameHost, nil, []string{`re:\.pdf$`}, "https://www.example.co.uk/doc.html", ""},
		{SameHost, []string{"/a?c"}, nil, "https://www.example.co.uk/abc", ""},
	}
	for _, c := range cases {
		s, err := newScope(seeds, Options{Scope: c.mode, Include: c.include, Exclude: c.exclude})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(c.url)
		if got := s.check(u, false); got != c.want {
			t.Errorf("%s include=%v exclude=%v %s: %q, want %q", c.mode, c.include, c.exclude, c.url, got, c.want)
		}
	}
	s, _ := newScope(seeds, Options{Scope: SameHost, Include: []string{"/nothing"}})
	u, _ := url.Parse("https://www.example.co.uk/")
	if s.check(u, true) != "" {
		t.Error("include patterns must not apply to seeds")
	}
}

func TestOptionsValidation(t *testing.T) {
	bad := []Options{
		{MaxPages: -1}, {MaxPages: MaxMaxPages + 1}, {Concurrency: 65}, {Include: []string{"re:("}},
		{Strategy: BestFirst}, {WebhookURL: "ftp://x"}, {WebhookSecret: "x"}, {ContentTypes: []string{"html"}},
		{MaxDurationMS: 10},
	}
	for _, o := range bad {
		if _, err := o.Normalize(); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
	o, err := Options{}.Normalize()
	if err != nil || o.MaxPages != 100 || o.Depth() != 3 || !o.Robots() || o.Strategy != BreadthFirst || o.Sitemap != SitemapInclude {
		t.Errorf("defaults %+v %v", o, err)
	}
	seeds, err := ValidateSeeds([]string{"HTTP://Example.com:80/a/../b#x", "http://example.com/b"}, o)
	if err != nil || len(seeds) != 1 || seeds[0] != "http://example.com/b" {
		t.Errorf("seeds %v %v", seeds, err)
	}
	if _, err := ValidateSeeds([]string{"ftp://x"}, o); err == nil {
		t.Error("ftp seed accepted")
	}
}
