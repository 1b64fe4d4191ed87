// Package secrets reads secret values (API keys, the Redis auth token,
// vendor keys) from Secrets Manager in AWS or from the environment locally,
// behind one small interface. Values are cached for a short TTL so a warm
// Lambda does not call Secrets Manager per request, yet picks up a rotated
// secret within minutes.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Source returns the current value of a named secret.
type Source interface {
	Get(ctx context.Context, name string) (string, error)
}

// ErrNotFound means the secret does not exist.
var ErrNotFound = errors.New("secret not found")

// Env reads secrets from environment variables: the name is the variable.
type Env struct {
	Lookup func(string) (string, bool)
}

// Get implements Source.
func (e Env) Get(_ context.Context, name string) (string, error) {
	if v, ok := e.Lookup(name); ok && v != "" {
		return v, nil
	}
	return "", fmt.Errorf("%w: environment variable %s is not set", ErrNotFound, name)
}

// Cached wraps a Source with a per-name TTL cache.
type Cached struct {
	Source Source
	TTL    time.Duration
	Now    func() time.Time

	mu       sync.Mutex
	entries  map[string]cacheEntry
	versions map[string]versionEntry
}

type cacheEntry struct {
	value   string
	fetched time.Time
}

// Get implements Source.
func (c *Cached) Get(ctx context.Context, name string) (string, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	c.mu.Lock()
	e, ok := c.entries[name]
	c.mu.Unlock()
	if ok && now().Sub(e.fetched) < c.TTL {
		return e.value, nil
	}
	v, err := c.Source.Get(ctx, name)
	if err != nil {
		if ok {
			// Serve the last good value when the backend blips; a secret that
			// was valid minutes ago beats failing every request.
			return e.value, nil
		}
		return "", err
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]cacheEntry{}
	}
	c.entries[name] = cacheEntry{value: v, fetched: now()}
	c.mu.Unlock()
	return v, nil
}

// ParseKeys reads a list of API keys from a secret value: a JSON object
// {"api_keys": [...], "bootstrap_key": "..."} (the shape the CDK stack
// creates: Secrets Manager can only generate a top-level string, so the
// first key is generated as bootstrap_key), a JSON array, or a
// comma-separated list.
func ParseKeys(value string) ([]string, error) {
	value = strings.TrimSpace(value)
	var keys []string
	switch {
	case strings.HasPrefix(value, "{"):
		var obj struct {
			APIKeys      []string `json:"api_keys"`
			BootstrapKey string   `json:"bootstrap_key"`
		}
		if err := json.Unmarshal([]byte(value), &obj); err != nil {
			return nil, fmt.Errorf("API keys secret: %w", err)
		}
		keys = append(obj.APIKeys, obj.BootstrapKey)
	case strings.HasPrefix(value, "["):
		if err := json.Unmarshal([]byte(value), &keys); err != nil {
			return nil, fmt.Errorf("API keys secret: %w", err)
		}
	default:
		keys = strings.Split(value, ",")
	}
	var out []string
	for _, k := range keys {
		if k = strings.TrimSpace(k); k != "" {
			out = append(out, k)
		}
	}
	return out, nil
}

// ParsePassword reads a password from a secret value: a JSON object with a
// "password" or "token" field (what CDK's generated secrets hold), or the
// raw string.
func ParsePassword(value string) (string, error) {
	value = strings.TrimSpace(value)
	if !strings.HasPrefix(value, "{") {
		return value, nil
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(value), &obj); err != nil {
		return "", fmt.Errorf("password secret: %w", err)
	}
	for _, k := range []string{"password", "token", "auth_token"} {
		if s, ok := obj[k].(string); ok && s != "" {
			return s, nil
		}
	}
	return "", errors.New("password secret: no password, token or auth_token field")
}
