package health

// StatusNotConfigured is the status of a known component this process
// does not run (the original's "not_configured"): the health function in
// AWS checks what it can reach; the browser, for one, lives in the render
// function.
const StatusNotConfigured = "not_configured"

// Known are the components GET /api/v1/health/{component} knows, in
// report order (the original's redis, extractor, http_client, headless
// and spider, plus the job queue).
var Known = []string{"redis", "extractor", "http_client", "headless", "spider", "queue"}

// Aliases are other names of components: chromium is what the first
// releases called the headless browser check.
var Aliases = map[string]string{"chromium": "headless"}

// Canonical returns the component name behind an alias.
func Canonical(name string) string {
	if c, ok := Aliases[name]; ok {
		return c
	}
	return name
}

// IsKnown reports whether name (or its alias) is a known component.
func IsKnown(name string) bool {
	name = Canonical(name)
	for _, k := range Known {
		if k == name {
			return true
		}
	}
	return false
}
