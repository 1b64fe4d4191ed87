package spider

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestEnumOptions(t *testing.T) {
	var o Options
	if err := json.Unmarshal([]byte(`{"strategy":"dfs","scope":"same_domain","sitemap":"skip","trailing_slash":"remove"}`), &o); err != nil {
		t.Fatal(err)
	}
	if o.Strategy != DepthFirst || o.Scope != SameDomain || o.Sitemap != SitemapSkip || o.TrailingSlash != RemoveSlash {
		t.Fatalf("%+v", o)
	}
	for field, bad := range map[string]string{"scope": `"Same_Host"`, "sitemap": `"always"`, "trailing_slash": `3`, "strategy": `"random"`} {
		err := json.Unmarshal([]byte(`{"`+field+`":`+bad+`}`), &o)
		if core.TypeOf(err) != core.ErrValidation || !strings.Contains(err.Error(), "options."+field) {
			t.Errorf("%s=%s: %v", field, bad, err)
		}
	}
}
