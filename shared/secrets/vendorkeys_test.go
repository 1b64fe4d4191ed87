package secrets_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/secrets"
)

type mapSource map[string]string

func (m mapSource) Get(_ context.Context, name string) (string, error) {
	if v, ok := m[name]; ok {
		return v, nil
	}
	return "", errors.New("secrets manager unreachable")
}

func TestVendorKeys(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"OPENAI_API_KEY": "sk-env"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	vk := secrets.VendorKeys{Lookup: lookup, SecretName: "arn:vendor", Source: mapSource{"arn:vendor": `{"OPENAI_API_KEY":"sk-secret","SERPER_API_KEY":"serper-secret"}`}}
	if k, err := vk.Key(ctx, "OPENAI_API_KEY"); err != nil || k != "sk-env" {
		t.Fatalf("the environment wins: %q %v", k, err)
	}
	if k, err := vk.Key(ctx, "SERPER_API_KEY"); err != nil || k != "serper-secret" {
		t.Fatalf("from the secret: %q %v", k, err)
	}
	_, err := vk.Key(ctx, "BRAVE_API_KEY")
	if e := core.AsError(err); e.Type != core.ErrDependency || e.Retryable() || !strings.Contains(e.Message, "BRAVE_API_KEY") || !strings.Contains(e.Message, secrets.VendorKeysSecretVar) {
		t.Fatalf("missing: %v", err)
	}
	down := secrets.VendorKeys{Lookup: lookup, SecretName: "arn:other", Source: mapSource{}}
	if _, err := down.Key(ctx, "BRAVE_API_KEY"); !core.AsError(err).Retryable() {
		t.Fatalf("an unreadable secret is retryable: %v", err)
	}
	bad := secrets.VendorKeys{SecretName: "arn:vendor", Source: mapSource{"arn:vendor": "not json"}}
	if _, err := bad.Key(ctx, "X"); err == nil || strings.Contains(err.Error(), "not json") {
		t.Fatalf("a malformed secret must not be echoed: %v", err)
	}
}
