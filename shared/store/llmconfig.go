package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/llm"
)

// LLMConfig keeps the LLM configuration set through the API as one JSON
// document at <prefix>llm:config, so every instance sees a switch at once.
// It holds API keys posted to /llm/config: Redis must be private (in AWS,
// ElastiCache with TLS and encryption at rest); keys kept in Secrets
// Manager (RIPTIDE_VENDOR_KEYS_SECRET_ARN) never reach Redis.
type LLMConfig struct{ s *Store }

// NewLLMConfig returns the config store of s (llm.ConfigStore).
func NewLLMConfig(s *Store) *LLMConfig { return &LLMConfig{s: s} }

// Load implements llm.ConfigStore.
func (c *LLMConfig) Load(ctx context.Context) (llm.StoredConfig, error) {
	var out llm.StoredConfig
	raw, err := c.s.Client.Get(ctx, c.s.Key("llm", "config")).Bytes()
	if errors.Is(err, redis.Nil) {
		return out, nil
	}
	if err != nil {
		return out, fmt.Errorf("llm config: %w", err)
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fmt.Errorf("llm config: %w", err)
	}
	return out, nil
}

// Save implements llm.ConfigStore.
func (c *LLMConfig) Save(ctx context.Context, cfg llm.StoredConfig) error {
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := c.s.Client.Set(ctx, c.s.Key("llm", "config"), b, 0).Err(); err != nil {
		return fmt.Errorf("llm config: %w", err)
	}
	return nil
}
