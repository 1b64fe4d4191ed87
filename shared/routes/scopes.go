package routes

import "strings"

// groupScopes maps each endpoint group to the API key scope it needs
// (docs/security.md). Groups that extract from pages the caller sends or
// names (strategies, pdf, tables) count as crawl; stealth configures the
// browser, so render.
var groupScopes = map[string]string{
	"crawl": "crawl", "crawl-ws": "crawl", "strategies": "crawl", "pdf": "crawl", "tables": "crawl",
	"render": "render", "stealth": "render", "sessions": "render",
	"spider":     "spider",
	"workers":    "jobs",
	"deepsearch": "search",
	"llm":        "llm",
	"admin":      "admin", "monitoring": "admin", "health": "read",
}

// Scope returns the scope a key needs to call r. A read-only call (GET)
// is also allowed with the read scope, except in the admin group.
func (r Route) Scope() string {
	if r.Group == "firecrawl" {
		// The facade maps onto two engines: a scrape is a crawl; map,
		// crawl and batch scrape are spider runs.
		if strings.HasSuffix(r.Op, ".scrape") {
			return "crawl"
		}
		return "spider"
	}
	if s, ok := groupScopes[r.Group]; ok {
		return s
	}
	return "admin" // a group nobody mapped is closed to all but admins
}

// ReadOnly reports whether r only reads (the read scope may call it): a
// GET that neither upgrades to a crawl nor runs a search.
func (r Route) ReadOnly() bool {
	return r.Method == "GET" && !r.WebSocket && r.Op != "deepsearch.query"
}
