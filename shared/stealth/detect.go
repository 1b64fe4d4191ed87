package stealth

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"sync"
)

//go:embed detect.html
var detectionPage []byte

// ReportSelector matches the element the detection page writes its report
// into once every check has run; a renderer waits for it to be visible.
const ReportSelector = "#riptide-stealth-report"

// DetectionPage returns the detection page. When headers is not nil the
// page also compares the request headers the browser sent (User-Agent,
// Sec-CH-UA*, Accept-Language) with what its scripts see; served inline,
// without a request, it checks the scripts only.
func DetectionPage(headers http.Header) []byte {
	if headers == nil {
		return bytes.Clone(detectionPage)
	}
	m := map[string]string{}
	for _, k := range []string{"User-Agent", "Sec-Ch-Ua", "Sec-Ch-Ua-Platform", "Sec-Ch-Ua-Mobile", "Accept-Language"} {
		if v := headers.Get(k); v != "" {
			m[strings.ToLower(k)] = v
		}
	}
	buf, _ := json.Marshal(m) // a map of strings always encodes
	// json.Marshal escapes <, > and & so the value cannot close the script.
	return bytes.Replace(detectionPage, []byte("/*RIPTIDE_HEADERS*/null"), buf, 1)
}

// DetectionHandler serves the detection page with the request's headers
// built in, for tests and for a local `riptide serve`.
func DetectionHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write(DetectionPage(r.Header))
	})
}

// Check is the outcome of one detection check.
type Check struct {
	Name    string `json:"name"`
	Pass    bool   `json:"pass"`
	Skipped bool   `json:"skipped,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// Report is what the detection page found.
type Report struct {
	Preset      Preset         `json:"preset"`
	Checks      []Check        `json:"checks"`
	Passed      int            `json:"passed"`
	Failed      int            `json:"failed"`
	Info        map[string]any `json:"info,omitempty"`
	HeadersSeen bool           `json:"headers_seen"`
	Applied     []Feature      `json:"applied,omitempty"`
}

// Failing returns the names of the failed checks.
func (r Report) Failing() []string {
	var out []string
	for _, c := range r.Checks {
		if !c.Pass {
			out = append(out, c.Name)
		}
	}
	return out
}

// Check returns the check called name.
func (r Report) Check(name string) (Check, bool) {
	for _, c := range r.Checks {
		if c.Name == name {
			return c, true
		}
	}
	return Check{}, false
}

// reportRe is compiled on first use (a stealth check), not at every cold
// start of the functions that link stealth.
var reportRe = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?s)<pre id="riptide-stealth-report">(.*?)</pre>`)
})

// ParseReport reads the report from the final HTML of the detection page.
func ParseReport(finalHTML string) (Report, error) {
	m := reportRe().FindStringSubmatch(finalHTML)
	if m == nil {
		return Report{}, fmt.Errorf("stealth: the detection page wrote no report (did its script run to the end?)")
	}
	var raw struct {
		Checks      []Check        `json:"checks"`
		Info        map[string]any `json:"info"`
		HeadersSeen bool           `json:"headers_seen"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &raw); err != nil {
		return Report{}, fmt.Errorf("stealth: decode detection report: %w", err)
	}
	rep := Report{Checks: raw.Checks, Info: raw.Info, HeadersSeen: raw.HeadersSeen}
	for _, c := range rep.Checks {
		if c.Pass {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	return rep, nil
}

// Probe renders the detection page with the given stealth options and
// returns the final HTML once the report element is there. shared/render
// provides one for any renderer (render.StealthProbe), so this package
// needs no browser of its own.
type Probe func(ctx context.Context, opts Options) (finalHTML string, err error)

// Test runs the detection page under preset and returns each check's
// outcome.
func Test(ctx context.Context, probe Probe, preset Preset) (Report, error) {
	opts := Options{Preset: preset}
	if err := opts.Validate(); err != nil {
		return Report{}, err
	}
	out, err := probe(ctx, opts)
	if err != nil {
		return Report{}, fmt.Errorf("stealth: render detection page: %w", err)
	}
	rep, err := ParseReport(out)
	if err != nil {
		return Report{}, err
	}
	rep.Preset = preset
	if preset != PresetNone {
		rep.Applied = opts.Enabled()
	}
	return rep, nil
}
