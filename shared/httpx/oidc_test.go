package httpx_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/riptidecrawler/riptide/internal/oidctest"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

func TestOIDCTokensAgainstALoopbackProvider(t *testing.T) {
	idp := oidctest.New(t)
	ctx := context.Background()
	a := httpx.NewOIDCTokens(httpx.OIDCOptions{Issuer: idp.Srv.URL, Audience: "riptide-api"}, httpx.NewStaticKeys([]string{"static-key"}))

	p, err := a.Authenticate(ctx, idp.Token(t, map[string]any{"scope": "crawl riptide:jobs openid bogus", "tenant": "acme"}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Scopes, ",") != "crawl,jobs" || p.Tenant != "acme" || !strings.HasPrefix(p.ID, "jwt_") || p.KeyID != "" {
		t.Fatalf("principal %+v", p)
	}
	// scp as a list; no known scope at all is an empty list (not nil,
	// which would mean every scope).
	if p, err := a.Authenticate(ctx, idp.Token(t, map[string]any{"scope": nil, "scp": []string{"read"}})); err != nil || strings.Join(p.Scopes, ",") != "" {
		t.Fatalf("scp claim with the default scope claim: %+v %v", p, err)
	}
	if p, err := a.Authenticate(ctx, idp.Token(t, map[string]any{"scope": "openid"})); err != nil || p.Scopes == nil || len(p.Scopes) != 0 {
		t.Fatalf("a token without RipTide scopes: %+v %v", p, err)
	}
	// The plan claim names the rate-limit plan when the server knows it;
	// an unknown plan or none is the default plan ("").
	withPlans := httpx.NewOIDCTokens(httpx.OIDCOptions{Issuer: idp.Srv.URL, Audience: "riptide-api",
		HasPlan: func(name string) bool { return name == "pro" }}, nil)
	for claim, want := range map[any]string{"pro": "pro", "enterprise": "", nil: "", 7: ""} {
		p, err := withPlans.Authenticate(ctx, idp.Token(t, map[string]any{"scope": "crawl", "plan": claim}))
		if err != nil || p.Plan != want {
			t.Errorf("plan claim %v: plan %q (%v), want %q", claim, p.Plan, err, want)
		}
	}
	if p, err := a.Authenticate(ctx, idp.Token(t, map[string]any{"plan": "pro"})); err != nil || p.Plan != "" {
		t.Errorf("without HasPlan every token gets the default plan, got %q (%v)", p.Plan, err)
	}
	// API keys still work beside tokens.
	if _, err := a.Authenticate(ctx, "static-key"); err != nil {
		t.Fatalf("static key: %v", err)
	}

	for _, c := range []struct {
		name   string
		claims map[string]any
		want   string
	}{
		{"expired", map[string]any{"exp": time.Now().Add(-5 * time.Minute).Unix()}, "expired"},
		{"other audience", map[string]any{"aud": "someone-else"}, "audience"},
		{"other issuer", map[string]any{"iss": "http://127.0.0.1:1/other"}, "issued by a different provider"},
	} {
		_, err := a.Authenticate(ctx, idp.Token(t, c.claims))
		if core.TypeOf(err) != core.ErrAuthentication || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an authentication error naming %q", c.name, err, c.want)
		}
	}
	// Within the clock skew an expired token still passes.
	if _, err := a.Authenticate(ctx, idp.Token(t, map[string]any{"exp": time.Now().Add(-20 * time.Second).Unix()})); err != nil {
		t.Errorf("a token expired 20 s ago (skew 60 s): %v", err)
	}
	// A forged token: same kid, another key.
	forged := idp.Token(t, nil)
	parts := strings.Split(forged, ".")
	other := idp.Token(t, map[string]any{"sub": "admin"})
	if _, err := a.Authenticate(ctx, parts[0]+"."+strings.Split(other, ".")[1]+"."+parts[2]); core.TypeOf(err) != core.ErrAuthentication {
		t.Errorf("a token whose claims were swapped passed: %v", err)
	}

	// The provider rotates its key: a token with the new kid makes the
	// key set fetch again, and the new token passes.
	fetches := idp.JWKSFetches
	idp.Rotate(t, "k2")
	if _, err := a.Authenticate(ctx, idp.Token(t, nil)); err != nil {
		t.Fatalf("token signed with the rotated key: %v", err)
	}
	if idp.JWKSFetches <= fetches {
		t.Errorf("rotation did not refetch the keys (%d fetches before, %d after)", fetches, idp.JWKSFetches)
	}
}

func TestOIDCDiscoveryDownIsADependencyErrorAndRecovers(t *testing.T) {
	idp := oidctest.New(t)
	idp.Down = true
	a := httpx.NewOIDCTokens(httpx.OIDCOptions{Issuer: idp.Srv.URL, Audience: "riptide-api"}, nil)
	tok := idp.Token(t, map[string]any{"scope": "crawl"})
	_, err := a.Authenticate(context.Background(), tok)
	if core.TypeOf(err) != core.ErrDependency {
		t.Fatalf("discovery down: %v, want a dependency error", err)
	}
	idp.Mu.Lock()
	idp.Down = false
	idp.Mu.Unlock()
	if _, err := a.Authenticate(context.Background(), tok); err != nil {
		t.Fatalf("after discovery came back: %v", err)
	}
	// Without a next authenticator, an API key is refused clearly.
	if _, err := a.Authenticate(context.Background(), "some-key"); core.TypeOf(err) != core.ErrAuthentication {
		t.Fatalf("api key with tokens only: %v", err)
	}
}

func TestLooksLikeJWT(t *testing.T) {
	for s, want := range map[string]bool{"eyJhbGciOi.eyJzdWIi.sig": true, "rtk_abc.def": false, "eyJ-no-dots": false, "plain-key": false, "eyJa.b.c.d": false} {
		if httpx.LooksLikeJWT(s) != want {
			t.Errorf("LooksLikeJWT(%q) != %v", s, want)
		}
	}
}

func FuzzOIDCTokenParsing(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
	f.Add("eyJ..")
	f.Add("eyJ" + strings.Repeat("A", 100) + ".." + strings.Repeat("%", 10))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{})
	}))
	defer srv.Close()
	a := httpx.NewOIDCTokens(httpx.OIDCOptions{Issuer: srv.URL, Audience: "a", JWKSURL: srv.URL}, httpx.NewStaticKeys([]string{"k"}))
	f.Fuzz(func(t *testing.T, cred string) {
		_, err := a.Authenticate(context.Background(), cred)
		if err == nil && cred != "k" {
			t.Fatalf("%q authenticated", cred)
		}
		if err != nil && core.TypeOf(err) == core.ErrInternal {
			t.Fatalf("untyped error for %q: %v", cred, err)
		}
	})
}
