package rotation

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// BootstrapKeyField is the field of the API keys secret that rotation
// replaces (the CDK stack generates it at creation).
const BootstrapKeyField = "bootstrap_key"

// minKeyLength refuses a pending key weaker than the generated ones.
const minKeyLength = 40

// BootstrapKey is the Format of the API keys secret:
// {"api_keys": [...], "bootstrap_key": "..."}. A rotation replaces
// bootstrap_key with a new random key and keeps every other field (the
// operator's own api_keys) as it is.
type BootstrapKey struct {
	// Accepts reports whether a server holding value would accept key:
	// the wiring passes the server's own parser and authenticator, so the
	// test step proves what the server will do, not a copy of it.
	Accepts func(ctx context.Context, value, key string) error
}

// NewKey returns a random key of 52 base32 characters (256 bits), letters
// and digits only: it travels in headers and query strings unescaped.
func NewKey() string { return rand.Text() + rand.Text() }

func fields(value string) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if !strings.HasPrefix(strings.TrimSpace(value), "{") {
		return nil, errors.New(`the API keys secret is not a JSON object ({"api_keys":[...],"bootstrap_key":"..."}): rotation replaces its bootstrap_key field`)
	}
	if err := json.Unmarshal([]byte(value), &obj); err != nil {
		return nil, fmt.Errorf("the API keys secret is not valid JSON: %w", err)
	}
	return obj, nil
}

func bootstrapKeyOf(obj map[string]json.RawMessage) string {
	var k string
	if raw, ok := obj[BootstrapKeyField]; ok {
		_ = json.Unmarshal(raw, &k)
	}
	return strings.TrimSpace(k)
}

// Next implements Format.
func (BootstrapKey) Next(current string) (string, error) {
	obj, err := fields(current)
	if err != nil {
		return "", err
	}
	obj[BootstrapKeyField], _ = json.Marshal(NewKey())
	b, err := json.Marshal(obj)
	return string(b), err
}

// Check implements Format: the pending value is a JSON object whose new
// bootstrap key is long enough, differs from the current one, and is
// accepted by the server's authenticator.
func (f BootstrapKey) Check(ctx context.Context, pending, current string) error {
	obj, err := fields(pending)
	if err != nil {
		return err
	}
	key := bootstrapKeyOf(obj)
	if len(key) < minKeyLength {
		return fmt.Errorf("the pending %s is missing or shorter than %d characters", BootstrapKeyField, minKeyLength)
	}
	if cur, err := fields(current); err == nil && bootstrapKeyOf(cur) == key {
		return fmt.Errorf("the pending %s equals the current one", BootstrapKeyField)
	}
	if f.Accepts != nil {
		if err := f.Accepts(ctx, pending, key); err != nil {
			return fmt.Errorf("a server holding the pending value refuses its %s: %w", BootstrapKeyField, err)
		}
	}
	return nil
}
