package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// ProviderConfig is one provider's settings, from the environment or from
// POST /api/v1/llm/config. APIKey is write-only: summaries report only
// whether it is set and where from.
type ProviderConfig struct {
	APIKey        string   `json:"api_key,omitempty"`
	BaseURL       string   `json:"base_url,omitempty"`
	Model         string   `json:"model,omitempty"`
	Region        string   `json:"region,omitempty"`
	ContextWindow int      `json:"context_window,omitempty"`
	InputCost     *float64 `json:"input_cost_per_mtok,omitempty"`
	OutputCost    *float64 `json:"output_cost_per_mtok,omitempty"`
	TimeoutMS     int64    `json:"timeout_ms,omitempty"`
}

// merge returns c with o's set fields on top.
func (c ProviderConfig) merge(o ProviderConfig) ProviderConfig {
	if o.APIKey != "" {
		c.APIKey = o.APIKey
	}
	if o.BaseURL != "" {
		c.BaseURL = o.BaseURL
	}
	if o.Model != "" {
		c.Model = o.Model
	}
	if o.Region != "" {
		c.Region = o.Region
	}
	if o.ContextWindow != 0 {
		c.ContextWindow = o.ContextWindow
	}
	if o.InputCost != nil {
		c.InputCost = o.InputCost
	}
	if o.OutputCost != nil {
		c.OutputCost = o.OutputCost
	}
	if o.TimeoutMS != 0 {
		c.TimeoutMS = o.TimeoutMS
	}
	return c
}

// Validate checks a configuration posted for provider name: the fields it
// sets must make sense; whether the provider is complete is Configured's
// business (a key may come from the environment).
func (c ProviderConfig) Validate(name string) error {
	spec, ok := SpecOf(name)
	if !ok {
		return core.Errorf(core.ErrValidation, "%q is not an LLM provider; providers are %s", name, strings.Join(SpecNames(), ", "))
	}
	if c.BaseURL != "" {
		u, err := url.Parse(c.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return core.Errorf(core.ErrValidation, "%s.base_url: must be an http or https URL", name)
		}
		if u.User != nil {
			return core.Errorf(core.ErrValidation, "%s.base_url: must not carry credentials; use api_key", name)
		}
	}
	if c.APIKey != "" && spec.KeyVar == "" {
		return core.Errorf(core.ErrValidation, "%s takes no api_key (%s)", name, map[bool]string{true: "IAM credentials", false: "no authentication"}[spec.Kind == KindBedrock])
	}
	if strings.ContainsAny(c.APIKey, "\r\n") || len(c.APIKey) > 4096 {
		return core.Errorf(core.ErrValidation, "%s.api_key: not a valid key", name)
	}
	if c.Region != "" && spec.Kind != KindBedrock {
		return core.Errorf(core.ErrValidation, "%s takes no region (only bedrock does)", name)
	}
	if c.ContextWindow < 0 || c.ContextWindow > 10_000_000 {
		return core.Errorf(core.ErrValidation, "%s.context_window: must be between 1 and 10000000", name)
	}
	for field, v := range map[string]*float64{"input_cost_per_mtok": c.InputCost, "output_cost_per_mtok": c.OutputCost} {
		if v != nil && (*v < 0 || *v > 10000) {
			return core.Errorf(core.ErrValidation, "%s.%s: must be between 0 and 10000 (USD per million tokens)", name, field)
		}
	}
	if c.TimeoutMS < 0 || c.TimeoutMS > 600000 {
		return core.Errorf(core.ErrValidation, "%s.timeout_ms: must be between 1000 and 600000", name)
	}
	return nil
}

// StoredConfig is the configuration set through the API, shared by every
// instance through the ConfigStore.
type StoredConfig struct {
	Active    string                    `json:"active,omitempty"`
	Failover  []string                  `json:"failover,omitempty"`
	Providers map[string]ProviderConfig `json:"providers,omitempty"`
	UpdatedAt time.Time                 `json:"updated_at,omitzero"`
}

// ConfigStore keeps the StoredConfig (shared/store.LLMConfig in Redis).
type ConfigStore interface {
	Load(ctx context.Context) (StoredConfig, error)
	Save(ctx context.Context, c StoredConfig) error
}

// MemoryConfigStore is a ConfigStore in process memory (tests; a process
// without Redis).
type MemoryConfigStore struct {
	mu sync.Mutex
	c  []byte
}

// Load implements ConfigStore.
func (m *MemoryConfigStore) Load(context.Context) (StoredConfig, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var c StoredConfig
	if m.c != nil {
		if err := json.Unmarshal(m.c, &c); err != nil {
			return c, fmt.Errorf("llm config: %w", err)
		}
	}
	return c, nil
}

// Save implements ConfigStore.
func (m *MemoryConfigStore) Save(_ context.Context, c StoredConfig) error {
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.c = b
	m.mu.Unlock()
	return nil
}
