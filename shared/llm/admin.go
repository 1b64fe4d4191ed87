package llm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// ProviderStatus describes one provider for GET /api/v1/llm/providers.
type ProviderStatus struct {
	Name         string `json:"name"`
	ProviderType Kind   `json:"provider_type"`
	Description  string `json:"description"`
	// Status is healthy (configured, circuit closed), degraded (configured,
	// circuit open after failures or a rate limit) or unavailable (not
	// configured). It reflects real traffic; nothing is probed.
	Status         string   `json:"status"`
	StatusReason   string   `json:"status_reason,omitempty"`
	Available      bool     `json:"available"`
	Active         bool     `json:"active"`
	Capabilities   []string `json:"capabilities"`
	ConfigRequired []string `json:"config_required"`
	Missing        []string `json:"missing,omitempty"`
	Model          string   `json:"model,omitempty"`
	CostInfo       *Price   `json:"cost_info,omitempty"`
	Models         []Model  `json:"models,omitempty"`
}

// Providers lists every provider with its state; active is the active one.
func (s *Service) Providers(ctx context.Context) (list []ProviderStatus, active string) {
	stored := s.loadStored(ctx)
	all := s.all(ctx, stored)
	active = s.active(stored, all)
	for _, r := range all {
		st := ProviderStatus{Name: r.Spec.Name, ProviderType: r.Spec.Kind, Description: r.Spec.Description, Active: r.Spec.Name == active,
			Capabilities: []string{"text-generation", "chat", "structured-output"}, ConfigRequired: r.Spec.Required, Missing: r.Missing, Model: r.Config.Model}
		switch {
		case r.KeyErr != nil:
			st.Status, st.StatusReason = "unavailable", core.AsError(r.KeyErr).Message
		case len(r.Missing) > 0:
			st.Status, st.StatusReason = "unavailable", "not configured: set "+r.requirementText()
		default:
			st.Status, st.Available = "healthy", true
			if err := s.Breaker.Allow(ctx, r.Spec.Name); err != nil {
				st.Status, st.StatusReason, st.Available = "degraded", core.AsError(err).Message, false
			}
		}
		if st.Model != "" {
			st.CostInfo = r.price(st.Model)
		}
		if fam := catalogFamily(r.Spec.Name); fam != "" {
			st.Models = Catalog[fam]
		} else if r.Config.Model != "" {
			cw, mo := r.limits()
			st.Models = []Model{{Name: r.Config.Model, ContextWindow: cw, MaxOutputTokens: mo, SupportsTools: true}}
		}
		list = append(list, st)
	}
	return list, active
}

// ProviderSummary is a provider's configuration as GET /llm/config shows
// it: the key's presence and origin, never the key.
type ProviderSummary struct {
	Configured    bool     `json:"configured"`
	Missing       []string `json:"missing,omitempty"`
	BaseURL       string   `json:"base_url,omitempty"`
	Model         string   `json:"model,omitempty"`
	Region        string   `json:"region,omitempty"`
	APIKeySet     bool     `json:"api_key_set"`
	APIKeySource  string   `json:"api_key_source,omitempty"` // environment, secret or api
	ContextWindow int      `json:"context_window"`
	Price         *Price   `json:"price,omitempty"`
	TimeoutMS     int64    `json:"timeout_ms,omitempty"`
}

// ConfigSummary is the whole LLM configuration without secrets.
type ConfigSummary struct {
	ActiveProvider      string                     `json:"active_provider"`
	FailoverChain       []string                   `json:"failover_chain"`
	ConfiguredProviders []string                   `json:"configured_providers"`
	Providers           map[string]ProviderSummary `json:"providers"`
	// Writable says whether POST /llm/config can store settings here.
	Writable   bool       `json:"writable"`
	UpdatedAt  *time.Time `json:"updated_at,omitempty"`
	PricesAsOf string     `json:"prices_as_of"`
}

// Config summarises the configuration.
func (s *Service) Config(ctx context.Context) ConfigSummary {
	stored := s.loadStored(ctx)
	all := s.all(ctx, stored)
	active := s.active(stored, all)
	sum := ConfigSummary{ActiveProvider: active, FailoverChain: s.failover(stored, all, active), Providers: map[string]ProviderSummary{},
		Writable: s.Store != nil, PricesAsOf: PricesAsOf, ConfiguredProviders: []string{}}
	if sum.FailoverChain == nil {
		sum.FailoverChain = []string{}
	}
	if !stored.UpdatedAt.IsZero() {
		t := stored.UpdatedAt
		sum.UpdatedAt = &t
	}
	for _, r := range all {
		cw, _ := r.limits()
		ps := ProviderSummary{Configured: r.configured(), Missing: r.Missing, BaseURL: r.Config.BaseURL, Model: r.Config.Model, Region: r.Config.Region,
			APIKeySet: r.Config.APIKey != "", APIKeySource: r.KeySource, ContextWindow: cw, TimeoutMS: r.Config.TimeoutMS}
		if r.Config.Model != "" {
			ps.Price = r.price(r.Config.Model)
		}
		if ps.Configured {
			sum.ConfiguredProviders = append(sum.ConfiguredProviders, r.Spec.Name)
		}
		sum.Providers[r.Spec.Name] = ps
	}
	return sum
}

// GlobalConfig are the settings beside the providers'.
type GlobalConfig struct {
	ActiveProvider string   `json:"active_provider,omitempty"`
	FailoverChain  []string `json:"failover_chain,omitempty"`
}

func (s *Service) writable() error {
	if s.Store == nil {
		return core.Errorf(core.ErrDependency, "LLM configuration cannot be stored in this deployment (no store); use environment variables")
	}
	return nil
}

// SetConfig validates and stores provider settings and global settings.
// Every entry must be valid or nothing is stored; results has one message
// per provider ("ok" or why not).
func (s *Service) SetConfig(ctx context.Context, providers map[string]ProviderConfig, global *GlobalConfig) (map[string]string, error) {
	results := map[string]string{}
	var details []core.Detail
	for name, pc := range providers {
		if err := pc.Validate(name); err != nil {
			results[name] = core.AsError(err).Message
			details = append(details, core.Detail{Field: "provider_configs." + name, Message: core.AsError(err).Message})
			continue
		}
		results[name] = "ok"
	}
	if global != nil {
		for i, n := range append([]string{global.ActiveProvider}, global.FailoverChain...) {
			if n == "" && i == 0 {
				continue
			}
			if _, ok := SpecOf(n); !ok {
				field := "global_config.active_provider"
				if i > 0 {
					field = fmt.Sprintf("global_config.failover_chain[%d]", i-1)
				}
				details = append(details, core.Detail{Field: field, Message: fmt.Sprintf("%q is not an LLM provider; providers are %s", n, strings.Join(SpecNames(), ", "))})
			}
		}
	}
	slices.SortFunc(details, func(a, b core.Detail) int { return strings.Compare(a.Field, b.Field) })
	if len(details) > 0 {
		return results, core.Errorf(core.ErrValidation, "%s: %s", details[0].Field, details[0].Message).WithDetails(details...)
	}
	if err := s.writable(); err != nil {
		return results, err
	}
	stored, err := s.Store.Load(ctx)
	if err != nil {
		return results, core.Wrap(core.ErrDependency, err, "could not read the stored LLM configuration")
	}
	if stored.Providers == nil {
		stored.Providers = map[string]ProviderConfig{}
	}
	for name, pc := range providers {
		stored.Providers[name] = stored.Providers[name].merge(pc)
	}
	if global != nil {
		if global.ActiveProvider != "" {
			stored.Active = global.ActiveProvider
		}
		if global.FailoverChain != nil {
			stored.Failover = global.FailoverChain
		}
	}
	stored.UpdatedAt = s.now().UTC()
	if err := s.Store.Save(ctx, stored); err != nil {
		return results, core.Wrap(core.ErrDependency, err, "could not store the LLM configuration")
	}
	return results, nil
}

// Switch makes name the active provider, after applying updates to its
// settings. A provider that would not be usable is refused.
func (s *Service) Switch(ctx context.Context, name string, updates *ProviderConfig) (previous string, err error) {
	spec, ok := SpecOf(name)
	if !ok {
		return "", core.Errorf(core.ErrValidation, "provider_name: %q is not an LLM provider; providers are %s", name, strings.Join(SpecNames(), ", "))
	}
	if updates != nil {
		if err := updates.Validate(name); err != nil {
			return "", err
		}
	}
	if err := s.writable(); err != nil {
		return "", err
	}
	stored, err := s.Store.Load(ctx)
	if err != nil {
		return "", core.Wrap(core.ErrDependency, err, "could not read the stored LLM configuration")
	}
	previous = s.active(stored, s.all(ctx, stored))
	if updates != nil {
		if stored.Providers == nil {
			stored.Providers = map[string]ProviderConfig{}
		}
		stored.Providers[name] = stored.Providers[name].merge(*updates)
	}
	r := s.resolve(ctx, stored, spec)
	if err := r.usable(); err != nil {
		return previous, core.Errorf(core.ErrValidation, "cannot switch to %s: %s", name, core.AsError(err).Message)
	}
	stored.Active = name
	stored.UpdatedAt = s.now().UTC()
	if err := s.Store.Save(ctx, stored); err != nil {
		return previous, core.Wrap(core.ErrDependency, err, "could not store the LLM configuration")
	}
	return previous, nil
}

// Totals returns the usage totals of a caller (zero without a store).
func (s *Service) Totals(ctx context.Context, caller string) (UsageTotals, error) {
	if s.Usage == nil {
		return UsageTotals{}, nil
	}
	return s.Usage.Totals(ctx, caller)
}
