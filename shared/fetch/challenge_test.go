package fetch

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "challenge", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetectChallenge(t *testing.T) {
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Add(kv[i], kv[i+1])
		}
		return out
	}
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string // file name in testdata/challenge, or inline when it starts with "<" or "{"
		vendor string // "" means not a challenge
	}{
		{"cloudflare interstitial 403", 403, h("Server", "cloudflare", "Cf-Mitigated", "challenge"), "cloudflare-interstitial.html", VendorCloudflare},
		{"cloudflare interstitial without headers (rendered)", 0, nil, "cloudflare-interstitial.html", VendorCloudflare},
		{"cloudflare interstitial 503", 503, h("Server", "cloudflare"), "cloudflare-interstitial.html", VendorCloudflare},
		{"cloudflare block page", 403, h("Server", "cloudflare"), "cloudflare-block.html", VendorCloudflare},
		{"cf-mitigated header alone", 403, h("Cf-Mitigated", "challenge"), "", VendorCloudflare},
		{"cloudflare turnstile wall", 403, nil, `<html><head><title>Verify</title><script src="https://challenges.cloudflare.com/turnstile/v0/api.js"></script></head><body><div class="cf-turnstile"></div></body></html>`, VendorCloudflare},
		{"akamai access denied", 403, h("Server", "AkamaiGHost"), "akamai.html", VendorAkamai},
		{"akamai rendered", 0, nil, "akamai.html", VendorAkamai},
		{"datadome captcha page", 403, h("Set-Cookie", "datadome=abc; Path=/", "X-Datadome", "protected"), "datadome.html", VendorDataDome},
		{"datadome captcha rendered", 0, nil, "datadome.html", VendorDataDome},
		{"datadome JSON 403", 403, h("Content-Type", "application/json"), `{"url":"https://geo.captcha-delivery.com/captcha/?initialCid=AHrlqAAA"}`, VendorDataDome},
		{"datadome cookie on 403", 403, h("Set-Cookie", "datadome=xyz; Max-Age=31536000"), "<html><body></body></html>", VendorDataDome},
		{"perimeterx block page", 403, nil, "perimeterx.html", VendorPerimeterX},
		{"perimeterx rendered", 0, nil, "perimeterx.html", VendorPerimeterX},
		{"perimeterx _pxhd cookie on 403", 403, h("Set-Cookie", "_pxhd=abc:def; Path=/"), "<html></html>", VendorPerimeterX},
		{"imperva incident page", 200, nil, "imperva.html", VendorImperva},
		{"aws waf header", 405, h("X-Amzn-Waf-Action", "captcha"), "", VendorAWSWAF},
		{"aws waf challenge script", 202, nil, `<html><head><script src="https://abc.token.awswaf.com/abc/challenge.js"></script></head><body><script>AwsWafIntegration.getToken()</script></body></html>`, VendorAWSWAF},
		{"generic recaptcha wall", 200, nil, "recaptcha-wall.html", VendorCaptcha},
		{"google unusual traffic 429", 429, nil, "google-sorry.html", VendorCaptcha},
		{"cloudflare title and markers in upper case", 0, nil, `<HTML><HEAD><TITLE>Just A Moment...</TITLE></HEAD><BODY><SCRIPT>WINDOW._CF_CHL_OPT={}</SCRIPT></BODY></HTML>`, VendorCloudflare},
		{"cloudflare title alone, upper-case tags", 503, h("Server", "cloudflare"), `<HTML><HEAD><TITLE>Just a moment...</TITLE></HEAD><BODY></BODY></HTML>`, VendorCloudflare},
		{"hcaptcha on 403", 403, nil, `<html><body><h1>Checking</h1><script src="https://hcaptcha.com/1/api.js"></script><div class="h-captcha"></div></body></html>`, VendorCaptcha},

		// Negatives: ordinary pages, including ones that talk about or embed
		// captchas, and ordinary error pages.
		{"article about captchas", 200, nil, "neg-article-about-captcha.html", ""},
		{"article about captchas, rendered", 0, nil, "neg-article-about-captcha.html", ""},
		{"login form with recaptcha", 200, nil, "neg-login-with-recaptcha.html", ""},
		{"cloudflare-served normal page", 200, h("Server", "cloudflare", "Cf-Ray", "8a1b2c3d4e5f6a7b-FRA"), "neg-cloudflare-normal.html", ""},
		{"datadome-protected normal page", 200, h("Set-Cookie", "datadome=abc; Path=/", "X-Datadome", "protected"), "neg-datadome-protected.html", ""},
		{"perimeterx sensor on normal page", 200, h("Set-Cookie", "_pxhd=abc; Path=/"), "neg-perimeterx-sensor.html", ""},
		{"recaptcha documentation", 200, nil, "neg-recaptcha-docs.html", ""},
		{"incapsula-served normal page", 200, nil, "neg-incapsula-normal.html", ""},
		{"nginx 403", 403, h("Server", "nginx"), "neg-nginx-403.html", ""},
		{"maintenance 503", 503, nil, "neg-maintenance-503.html", ""},
		{"API 429", 429, h("Content-Type", "application/json", "Retry-After", "30"), `{"error":"rate limit exceeded"}`, ""},
		{"empty 200", 200, nil, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body []byte
			switch {
			case c.body == "":
			case strings.HasPrefix(c.body, "<"), strings.HasPrefix(c.body, "{"):
				body = []byte(c.body)
			default:
				body = fixture(t, c.body)
			}
			got, ok := DetectChallenge(c.status, c.header, body)
			if c.vendor == "" {
				if ok {
					t.Fatalf("flagged as %s (%s), want not a challenge", got.Vendor, got.Signal)
				}
				return
			}
			if !ok || got.Vendor != c.vendor {
				t.Fatalf("got %+v (challenge=%v), want vendor %s", got, ok, c.vendor)
			}
			if got.Signal == "" {
				t.Error("a detection must say what gave it away")
			}
		})
	}
}

func TestChallengeThroughFetch(t *testing.T) {
	s := newSite(t, "127.0.0.1:0")
	interstitial := fixture(t, "cloudflare-interstitial.html")
	s.handle("/cf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Server", "cloudflare")
		w.Header().Set("Content-Type", "text/html; charset=UTF-8")
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(interstitial)
	})
	s.handle("/wall", serveEncoded("gzip", compress(t, "gzip", fixture(t, "recaptcha-wall.html"))))
	s.handle("/article", serveBytes("text/html; charset=utf-8", fixture(t, "neg-article-about-captcha.html")))
	env := newEnv(t, Options{IgnoreRobots: true})
	ctx := context.Background()

	resp, err := env.f.Fetch(ctx, Request{URL: s.URL + "/cf"})
	mustType(t, err, core.ErrBlockedByTarget, "blocked by cloudflare")
	if resp == nil || resp.Challenge == nil || resp.Challenge.Vendor != VendorCloudflare || resp.Status != 503 {
		t.Errorf("the response must come with the challenge: %+v", resp)
	}
	if n := s.count("/cf"); n != 1 {
		t.Errorf("a challenge 503 was requested %d times: retrying a bot wall does not help", n)
	}
	resp, err = env.f.Fetch(ctx, Request{URL: s.URL + "/wall"})
	mustType(t, err, core.ErrBlockedByTarget, "blocked by captcha")
	if resp.Status != 200 {
		t.Errorf("status %d", resp.Status)
	}
	if _, err := env.f.Fetch(ctx, Request{URL: s.URL + "/article"}); err != nil {
		t.Errorf("an article about captchas is a page: %v", err)
	}
}

func BenchmarkDetectChallenge(b *testing.B) {
	page := fixture(b, "neg-article-about-captcha.html")
	for len(page) < 100<<10 {
		page = append(page, page...)
	}
	b.SetBytes(int64(min(len(page), challengeScanBytes)))
	for b.Loop() {
		DetectChallenge(200, nil, page)
	}
}
