package sessions

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// These tests run the jar through RFC 6265's own examples (§3.1) and the
// rules of §5.1-§5.4; the URLs are strings only, nothing is fetched.

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// setCookies feeds raw Set-Cookie header values as a response from from.
func setCookies(t *testing.T, j *Jar, from string, headers ...string) {
	t.Helper()
	h := http.Header{}
	for _, v := range headers {
		h.Add("Set-Cookie", v)
	}
	j.SetCookies(mustURL(t, from), (&http.Response{Header: h}).Cookies())
}

// sent is the Cookie header a request to to would carry.
func sent(t *testing.T, j *Jar, to string) string {
	t.Helper()
	var parts []string
	for _, c := range j.Cookies(mustURL(t, to)) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newJar() (*Jar, *clock) {
	c := &clock{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)}
	return NewJar(nil, c.now), c
}

func TestRFC6265Examples(t *testing.T) {
	// §3.1: host-only SID, then a domain cookie for the whole site.
	j, _ := newJar()
	setCookies(t, j, "https://www.example.com/", "SID=31d4d96e407aad42")
	if got := sent(t, j, "https://www.example.com/"); got != "SID=31d4d96e407aad42" {
		t.Fatalf("host-only cookie: %q", got)
	}
	if got := sent(t, j, "https://sub.www.example.com/"); got != "" {
		t.Fatalf("host-only cookie went to a subdomain: %q", got)
	}
	setCookies(t, j, "https://www.example.com/", "SID=31d4d96e407aad42; Path=/; Domain=example.com")
	if got := sent(t, j, "https://docs.example.com/x"); got != "SID=31d4d96e407aad42" {
		t.Fatalf("domain cookie to another host of the domain: %q", got)
	}
	// §3.1: Secure and HttpOnly with a path; the secure one stays off http.
	j, _ = newJar()
	setCookies(t, j, "https://www.example.com/", "SID=31d4d96e407aad42; Path=/; Secure; HttpOnly", "lang=en-US; Path=/; Domain=example.com")
	if got := sent(t, j, "https://www.example.com/"); got != "SID=31d4d96e407aad42; lang=en-US" {
		t.Fatalf("https: %q", got)
	}
	if got := sent(t, j, "http://www.example.com/"); got != "lang=en-US" {
		t.Fatalf("http must not carry the Secure cookie: %q", got)
	}
	// §3.1: deleting lang with an Expires in the past.
	setCookies(t, j, "https://www.example.com/", "lang=; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Domain=example.com")
	if got := sent(t, j, "https://www.example.com/"); got != "SID=31d4d96e407aad42" {
		t.Fatalf("after deletion: %q", got)
	}
}

func TestDomainAttribute(t *testing.T) {
	j, _ := newJar()
	setCookies(t, j, "http://www.shop.example.org/",
		"a=1; Domain=.shop.example.org", // leading dot ignored
		"b=2; Domain=other.example.org", // not a domain of the host: refused
		"c=3; Domain=org",               // public suffix: refused
		"d=4; Domain=www.shop.example.org")
	if got := sent(t, j, "http://www.shop.example.org/"); got != "a=1; d=4" {
		t.Fatalf("www: %q", got)
	}
	if got := sent(t, j, "http://shop.example.org/"); got != "a=1" {
		t.Fatalf("parent host: %q", got)
	}
	if got := sent(t, j, "http://other.example.org/"); got != "" {
		t.Fatalf("refused cookies leaked: %q", got)
	}
	// A private public suffix (github.io) is one too; a cookie of the very
	// host that is a suffix becomes host-only.
	setCookies(t, j, "https://alice.github.io/", "e=5; Domain=github.io")
	if got := sent(t, j, "https://bob.github.io/"); got != "" {
		t.Fatalf("cookie for a public suffix: %q", got)
	}
	setCookies(t, j, "https://github.io/", "f=6; Domain=github.io")
	if got := sent(t, j, "https://github.io/"); got != "f=6" {
		t.Fatalf("host-only on a suffix host: %q", got)
	}
	if got := sent(t, j, "https://x.github.io/"); got != "" {
		t.Fatalf("suffix host's cookie went below it: %q", got)
	}
	// IP addresses: only themselves, never a domain cookie.
	setCookies(t, j, "http://10.0.0.1:8080/", "g=7", "h=8; Domain=0.0.1")
	if got := sent(t, j, "http://10.0.0.1/"); got != "g=7" {
		t.Fatalf("ip host: %q", got)
	}
	// Case and port do not matter.
	setCookies(t, j, "http://MiXeD.example.net:81/", "i=9")
	if got := sent(t, j, "http://mixed.example.net/"); got != "i=9" {
		t.Fatalf("canonical host: %q", got)
	}
}

func TestPathMatchingAndOrder(t *testing.T) {
	j, c := newJar()
	setCookies(t, j, "http://h.example.net/docs/guide/page.html", "dflt=1") // default path /docs/guide
	c.t = c.t.Add(time.Second)
	setCookies(t, j, "http://h.example.net/", "root=2; Path=/", "docs=3; Path=/docs", "rel=4; Path=relative")
	cases := map[string]string{
		"http://h.example.net/":                 "root=2; rel=4",
		"http://h.example.net/docs":             "docs=3; root=2; rel=4",
		"http://h.example.net/docs/":            "docs=3; root=2; rel=4",
		"http://h.example.net/docsx":            "root=2; rel=4", // /docs does not match /docsx
		"http://h.example.net/docs/guide/x":     "dflt=1; docs=3; root=2; rel=4",
		"http://h.example.net/docs/guidebook/x": "docs=3; root=2; rel=4",
	}
	for to, want := range cases {
		if got := sent(t, j, to); got != want {
			t.Errorf("%s: got %q, want %q", to, got, want)
		}
	}
}

func TestExpiryAndMaxAge(t *testing.T) {
	j, c := newJar()
	setCookies(t, j, "http://h.example.net/",
		"short=1; Max-Age=60",
		"both=2; Max-Age=3600; Expires=Sun, 06 Nov 1994 08:49:37 GMT", // Max-Age wins
		"exp=3; Expires="+c.t.Add(2*time.Minute).Format(http.TimeFormat),
		"forever=4")
	if got := sent(t, j, "http://h.example.net/"); got != "short=1; both=2; exp=3; forever=4" {
		t.Fatalf("all four, in header order: %q", got)
	}
	c.t = c.t.Add(90 * time.Second)
	if got := sent(t, j, "http://h.example.net/"); strings.Contains(got, "short") || !strings.Contains(got, "exp=3") {
		t.Fatalf("after 90 s: %q", got)
	}
	setCookies(t, j, "http://h.example.net/", "forever=x; Max-Age=0")
	c.t = c.t.Add(time.Hour)
	if got := sent(t, j, "http://h.example.net/"); got != "" {
		t.Fatalf("after an hour and a Max-Age=0: %q", got)
	}
}

func TestSecureOrigins(t *testing.T) {
	j, _ := newJar()
	setCookies(t, j, "http://h.example.net/", "s=1; Secure")
	setCookies(t, j, "https://h.example.net/", "t=2; Secure")
	setCookies(t, j, "http://h.example.net/", "t=overwritten")
	if got := sent(t, j, "https://h.example.net/"); got != "t=2" {
		t.Fatalf("insecure origin set or replaced a Secure cookie: %q", got)
	}
	// Loopback is a secure context, as in browsers.
	setCookies(t, j, "http://127.0.0.1:8080/", "l=1; Secure")
	if got := sent(t, j, "http://127.0.0.1:8080/"); got != "l=1" {
		t.Fatalf("loopback secure cookie: %q", got)
	}
}

func TestReplaceKeepsCreationAndTracksChanges(t *testing.T) {
	j, c := newJar()
	setCookies(t, j, "http://h.example.net/", "a=1", "b=1")
	first := j.All()[0].CreatedAt
	if set, removed := j.Changes(); len(set) != 2 || len(removed) != 0 {
		t.Fatalf("changes: %v %v", set, removed)
	}
	c.t = c.t.Add(time.Minute)
	setCookies(t, j, "http://h.example.net/", "a=2", "b=; Max-Age=0", "none=; Max-Age=0")
	set, removed := j.Changes()
	if len(set) != 1 || set[0].Value != "2" || !set[0].CreatedAt.Equal(first) {
		t.Fatalf("replaced cookie: %+v", set)
	}
	if len(removed) != 1 || removed[0] != "h.example.net;/;b" {
		t.Fatalf("removed: %v", removed)
	}
	if set, removed := j.Changes(); len(set)+len(removed) != 0 {
		t.Fatal("changes must be forgotten once taken")
	}
	// A rebuilt jar is the same jar.
	again := NewJar(j.All(), c.now)
	if got := sent(t, again, "http://h.example.net/"); got != "a=2" {
		t.Fatalf("rebuilt: %q", got)
	}
}

func TestLimits(t *testing.T) {
	j, c := newJar()
	var hs []string
	for i := 0; i < MaxPerDomain+5; i++ {
		hs = append(hs, "c"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+itoa(i)+"=v")
	}
	for _, h := range hs {
		c.t = c.t.Add(time.Millisecond)
		setCookies(t, j, "http://h.example.net/", h)
	}
	if n := j.Len(); n != MaxPerDomain {
		t.Fatalf("per-domain limit: %d cookies", n)
	}
	if got := sent(t, j, "http://h.example.net/"); strings.Contains(got, hs[0]) {
		t.Fatal("the oldest cookie should have been evicted")
	}
	for i := 0; i < 4; i++ {
		for k := 0; k < MaxPerDomain; k++ {
			c.t = c.t.Add(time.Millisecond)
			setCookies(t, j, "http://h"+itoa(i)+".example.net/", "k"+itoa(k)+"=v")
		}
	}
	if n := j.Len(); n != MaxCookies {
		t.Fatalf("total limit: %d cookies", n)
	}
	setCookies(t, j, "http://big.example.net/", "big="+strings.Repeat("v", MaxCookieBytes))
	if got := sent(t, j, "http://big.example.net/"); got != "" {
		t.Fatal("an oversized cookie was stored")
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestForHostAndSpec(t *testing.T) {
	j, c := newJar()
	for _, spec := range []CookieSpec{
		{Domain: ".shop.example.org", Name: "sid", Value: "1"},
		{Domain: "www.shop.example.org", Name: "pref", Value: "2", HostOnly: true, Path: "/account"},
		{Domain: "other.example.org", Name: "x", Value: "3"},
	} {
		ck, err := spec.cookie(c.now())
		if err != nil {
			t.Fatal(err)
		}
		j.Put(ck)
	}
	got := j.ForHost("www.shop.example.org")
	if len(got) != 2 || got[0].Name != "pref" || got[1].Name != "sid" {
		t.Fatalf("for www: %+v", got)
	}
	if got := j.ForHost("shop.example.org"); len(got) != 1 || got[0].Name != "sid" {
		t.Fatalf("for the domain itself: %+v", got)
	}
	if got := sent(t, j, "http://www.shop.example.org/account/x"); got != "pref=2; sid=1" {
		t.Fatalf("spec cookies sent: %q", got)
	}
	bad := []CookieSpec{
		{Domain: "co.uk", Name: "a", Value: "1"},                        // public suffix
		{Domain: "", Name: "a", Value: "1"},                             // no domain
		{Domain: "h.example.org", Name: "bad name", Value: "1"},         // not a token
		{Domain: "h.example.org", Name: "a", Value: "1", Path: "x"},     // relative path
		{Domain: "h.example.org", Name: "a", Value: "1", SameSite: "x"}, // enum
		{Domain: "h.example.org", Name: "a", Value: "1", MaxAgeMS: 5, ExpiresInSeconds: 5},
	}
	for _, s := range bad {
		if _, err := s.cookie(c.now()); err == nil {
			t.Errorf("accepted %+v", s)
		}
	}
	if ck, err := (CookieSpec{Domain: "co.uk", Name: "a", Value: "1", HostOnly: true}).cookie(c.now()); err != nil || !ck.HostOnly {
		t.Errorf("host-only cookie of a suffix host: %v", err)
	}
	ck, _ := (CookieSpec{Domain: "h.example.org", Name: "a", Value: "1", ExpiresInSeconds: 60}).cookie(c.now())
	if ck.Expires == nil || !ck.Expires.Equal(c.now().Add(time.Minute)) {
		t.Errorf("expires_in_seconds: %v", ck.Expires)
	}
}

func TestIDs(t *testing.T) {
	a, b := NewID(), NewID()
	if a == b || !ValidID(a) || !ValidID(b) {
		t.Fatalf("ids %q %q", a, b)
	}
	for _, bad := range []string{"", "s-1", "session_" + strings.Repeat("g", 32), "session_../../etc", a + "0"} {
		if ValidID(bad) {
			t.Errorf("ValidID(%q)", bad)
		}
	}
}
