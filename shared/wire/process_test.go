package wire_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/healthwire"
)

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := wire.New(context.Background(), "t", config.FromMap(map[string]string{"RIPTIDE_AUTH": "off"})); err == nil {
		t.Fatal("invalid RIPTIDE_AUTH must stop the start")
	}
}

func TestLocalServerWithRealRedisAndKeys(t *testing.T) {
	b, err := wire.New(context.Background(), "t", config.FromMap(map[string]string{
		"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t), "RIPTIDE_API_KEYS": "abc",
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if b.Store.Embedded() {
		t.Fatal("REDIS_URL must select the real server")
	}
	g, err := healthwire.Build(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	h, err := b.HTTPHandler(routes.Group("health"), g.Handlers)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Fatalf("healthz %d %s", rec.Code, rec.Body)
	}
	if b.Auth.NoKeysConfigured() {
		t.Fatal("a configured key must count")
	}
}

// TestKeysFromSecretsManagerFollowRotation uses the real Secrets Manager
// protocol (moto_server) through the authenticator the functions use.
func TestKeysFromSecretsManagerFollowRotation(t *testing.T) {
	cfg := motoaws.Config(t, "eu-west-1")
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()
	// A name of its own: a moto_server reused across runs still holds the
	// secrets of earlier ones, and CreateSecret of an existing name fails.
	name := fmt.Sprintf("keys-%d", time.Now().UnixNano())
	if _, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name),
		SecretString: aws.String(`{"api_keys":["old"],"bootstrap_key":"boot"}`)}); err != nil {
		t.Fatal(err)
	}
	// TTL 0: every check re-reads, standing in for "after the cache TTL".
	reader, err := secrets.NewSecretsManager(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	src := &secrets.Cached{Source: reader, TTL: 0}
	auth := httpx.AuthConfig{Authenticator: &httpx.SecretKeys{Source: src, Name: name}}
	t.Setenv(httpx.ContractRecordEnv, "") // a synthetic route, not the document's
	h, err := httpx.NewHandler(httpx.Options{Auth: auth}, []routes.Route{{Op: "x", Method: "GET", Path: "/x", Status: routes.Ready}},
		map[string]http.Handler{"x": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) })})
	if err != nil {
		t.Fatal(err)
	}
	status := func(key string) int {
		req := httptest.NewRequest("GET", "/x", nil)
		req.Header.Set("X-API-Key", key)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	if status("old") != 204 || status("boot") != 204 || status("new") != 401 {
		t.Fatal("initial key set not honoured")
	}
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name),
		SecretString: aws.String(`{"api_keys":["new"]}`)}); err != nil {
		t.Fatal(err)
	}
	if status("new") != 204 || status("old") != 401 {
		t.Fatal("rotated key set not honoured")
	}
}
