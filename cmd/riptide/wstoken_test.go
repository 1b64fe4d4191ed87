package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestWebSocketTokensOfManagedKeys: through `riptide serve`, a managed key
// gets a WebSocket token that opens /crawl/ws as that key; a key without the
// crawl scope gets no token; revoking the key kills its tokens; the
// bootstrap key's tokens still work.
func TestWebSocketTokensOfManagedKeys(t *testing.T) {
	const bootstrap = "bootstrap-key-for-ws-tokens"
	t.Setenv("REDIS_URL", "")
	t.Setenv("RIPTIDE_API_KEYS", bootstrap)
	base := startServe(t)
	send := func(key, method, path, body string) (int, string) {
		t.Helper()
		return callWith(t, method, base+path, body, http.Header{"X-Api-Key": {key}})
	}
	newKey := func(scopes string) (token, id string) {
		t.Helper()
		code, out := send(bootstrap, "POST", "/api/v1/admin/keys", `{"name":"ws","scopes":[`+scopes+`]}`)
		var created struct {
			Token string `json:"token"`
			Key   struct {
				ID string `json:"id"`
			} `json:"key"`
		}
		if code != 201 || json.Unmarshal([]byte(out), &created) != nil || created.Token == "" {
			t.Fatalf("create key: %d %s", code, out)
		}
		return created.Token, created.Key.ID
	}
	wsToken := func(key string) string {
		t.Helper()
		code, out := send(key, "POST", "/api/v1/crawl/ws/token", "")
		var tok struct {
			Token string `json:"token"`
		}
		if code != 200 || json.Unmarshal([]byte(out), &tok) != nil || tok.Token == "" {
			t.Fatalf("ws token: %d %s", code, out)
		}
		return tok.Token
	}
	dial := func(token string) int {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		url := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/crawl/ws?token=" + token
		c, resp, err := websocket.Dial(ctx, url, nil)
		if err == nil {
			c.CloseNow()
			return resp.StatusCode
		}
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		return resp.StatusCode
	}

	crawler, crawlerID := newKey(`"crawl"`)
	tok := wsToken(crawler)
	if !strings.Contains(tok, ".rtk_"+crawlerID+".") {
		t.Fatalf("a managed key's token should name the key: %s", tok)
	}
	if code := dial(tok); code != http.StatusSwitchingProtocols {
		t.Fatalf("managed key's token: upgrade answered %d", code)
	}
	forged := strings.Replace(tok, "rtk_"+crawlerID, "rtk_000000000000", 1)
	if code := dial(forged); code != http.StatusUnauthorized {
		t.Fatalf("a token moved to another key id: %d", code)
	}

	reader, _ := newKey(`"read"`)
	if code, out := send(reader, "POST", "/api/v1/crawl/ws/token", ""); code != http.StatusForbidden {
		t.Fatalf("a key without the crawl scope got a token: %d %s", code, out)
	}

	if code, out := send(bootstrap, "DELETE", "/api/v1/admin/keys/"+crawlerID, ""); code != 200 && code != 204 {
		t.Fatalf("revoke: %d %s", code, out)
	}
	if code := dial(tok); code != http.StatusUnauthorized {
		t.Fatalf("a revoked key's token: upgrade answered %d, want 401", code)
	}
	if code := dial(wsToken(bootstrap)); code != http.StatusSwitchingProtocols {
		t.Fatalf("bootstrap key's token: upgrade answered %d", code)
	}
}
