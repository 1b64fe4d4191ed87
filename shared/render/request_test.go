package render

import (
	"context"
	"encoding/json"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

func TestRequestValidate(t *testing.T) {
	ok := Request{URL: "https://example.test/a"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		req   Request
		typ   core.ErrorType
		field string
	}{
		{Request{}, core.ErrValidation, "url"},
		{Request{URL: "javascript:alert(1)"}, core.ErrInvalidURL, "url"},
		{Request{URL: "file:///etc/passwd"}, core.ErrInvalidURL, "url"},
		{Request{URL: "https://x.test/", TimeoutMS: 10 * 60 * 1000}, core.ErrValidation, "timeout_ms"},
		{Request{URL: "https://x.test/", Wait: []WaitCondition{{Type: WaitSelector}}}, core.ErrValidation, "wait[0].selector"},
		{Request{URL: "https://x.test/", Wait: []WaitCondition{{Type: "idle"}}}, core.ErrValidation, "wait[0].type"},
		{Request{URL: "https://x.test/", Actions: []Action{{Type: ActionNavigate, URL: "file:///x"}}}, core.ErrInvalidURL, "actions[0].url"},
		{Request{URL: "https://x.test/", Actions: []Action{{Type: ActionClick}}}, core.ErrValidation, "actions[0].selector"},
		{Request{URL: "https://x.test/", Actions: []Action{{Type: "teleport"}}}, core.ErrValidation, "actions[0].type"},
		{Request{URL: "https://x.test/", Headers: map[string]string{"X-A": "b\r\nInjected: 1"}}, core.ErrValidation, "headers"},
		{Request{URL: "https://x.test/", Cookies: []Cookie{{Name: "a", SameSite: "sometimes"}}}, core.ErrValidation, "cookies[0].same_site"},
		{Request{URL: "https://x.test/", Artifacts: Artifacts{Screenshot: &ScreenshotOptions{Format: "gif"}}}, core.ErrValidation, "artifacts.screenshot.format"},
		{Request{URL: "https://x.test/", Viewport: &Viewport{Width: 10, Height: 10}}, core.ErrValidation, "viewport"},
		{Request{URL: "https://x.test/", Scroll: &Scroll{Steps: 1000}}, core.ErrValidation, "scroll.steps"},
	}
	for _, c := range cases {
		err := c.req.Validate()
		e := core.AsError(err)
		if err == nil || e.Type != c.typ || len(e.Details) == 0 || e.Details[0].Field != c.field {
			t.Errorf("%+v: got %v (details %+v), want %s on %s", c.req, err, e, c.typ, c.field)
		}
	}
}

func TestRequestJSONNames(t *testing.T) {
	var req Request
	body := `{"url":"https://x.test/","timeout_ms":5000,"wait":[{"type":"network_idle","idle_ms":250,"max_inflight":2}],
	"scroll":{"steps":3,"step_px":400,"delay_ms":100,"to_bottom":true,"stop_condition":"false"},
	"actions":[{"type":"type","selector":"#q","text":"hi","continue_on_error":true}],
	"artifacts":{"screenshot":{"full_page":true,"format":"jpeg","quality":70},"pdf":{"paper":"a4"}},
	"block":{"images":true,"trackers":true},"cookies":[{"name":"a","value":"b","same_site":"lax"}],
	"stealth":{"preset":"high"}}`
	dec := json.NewDecoder(stringsReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		t.Fatal(err)
	}
	if err := req.Validate(); err != nil {
		t.Fatal(err)
	}
	if req.Wait[0].IdleMS != 250 || !req.Scroll.ToBottom || req.Actions[0].Type != ActionTypeText || !req.Artifacts.Screenshot.FullPage || !req.Block.Trackers || req.Stealth.Preset != "high" {
		t.Fatalf("%+v", req)
	}
	out, _ := json.Marshal(Result{Timings: Timings{LaunchMS: 1}})
	for _, k := range []string{`"final_url"`, `"launch_ms"`, `"stealth_applied"`, `"network"`, `"blocked_by_guard"`} {
		if !contains(string(out), k) {
			t.Errorf("result JSON lacks %s: %s", k, out)
		}
	}
}

func TestDenyPrivateGuard(t *testing.T) {
	g := DenyPrivate(nil)
	for _, raw := range []string{"http://127.0.0.1/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data", "http://[::1]/",
		"http://192.168.0.1/", "http://100.64.0.1/", "http://0.0.0.0/", "http://localhost:8080/", "http://a.localhost/", "http://[::ffff:10.0.0.1]/"} {
		u, _ := url.Parse(raw)
		if err := g.CheckURL(context.Background(), u); core.TypeOf(err) != core.ErrBlockedURL {
			t.Errorf("%s allowed (%v)", raw, err)
		}
	}
	u, _ := url.Parse("http://93.184.215.14/")
	if err := g.CheckURL(context.Background(), u); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	if !PublicAddr(netip.MustParseAddr("2606:4700::1")) || PublicAddr(netip.MustParseAddr("fd00::1")) {
		t.Error("PublicAddr on IPv6")
	}
}

func TestCheckRequestSchemes(t *testing.T) {
	deny := GuardFunc(func(context.Context, *url.URL) error { return core.Errorf(core.ErrBlockedURL, "no") })
	for raw, allowed := range map[string]bool{
		"data:text/plain,hi": true, "blob:http://x.test/abc": true, "about:blank": true,
		"file:///etc/passwd": false, "chrome://settings": false, "http://x.test/": false, "ws://x.test/": false,
	} {
		if err := checkRequest(context.Background(), deny, raw); (err == nil) != allowed {
			t.Errorf("%s: allowed=%v, err %v", raw, allowed, err)
		}
	}
}

func TestTrackersAndGlobs(t *testing.T) {
	m := newTrackerMatcher([]string{"extra.test"})
	for host, want := range map[string]bool{
		"www.google-analytics.com": true, "google-analytics.com": true, "notgoogle-analytics.com": false,
		"example.com": false, "cdn.extra.test": true, "DOUBLECLICK.NET.": true,
	} {
		if got := m.match(host, "/"); got != want {
			t.Errorf("%s: %v", host, got)
		}
	}
	if !m.match("www.facebook.com", "/tr?id=1") || m.match("www.facebook.com", "/profile") {
		t.Error("host+path entries")
	}
	for _, c := range []struct {
		p, s string
		want bool
	}{{"*.css", "https://a/b.css", true}, {"https://a/*/x*", "https://a/b/c/xy", true}, {"*ads*", "https://a/b", false}, {"exact", "exact", true}} {
		if globMatch(c.p, c.s) != c.want {
			t.Errorf("glob %q %q", c.p, c.s)
		}
	}
}

func TestParseStat(t *testing.T) {
	st, grp, ok := parseStat([]byte("4242 (chrome (renderer)) S 4200 4100 4100 0 -1 4194560"))
	if !ok || st != 'S' || grp != 4100 {
		t.Fatalf("%c %d %v", st, grp, ok)
	}
}

func stringsReader(s string) *strings.Reader { return strings.NewReader(s) }
func contains(s, sub string) bool            { return strings.Contains(s, sub) }
