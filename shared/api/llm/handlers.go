// Package llmapi serves the llm group: the provider list with models,
// prices and health, switching the active provider, and the configuration
// (keys are write-only: accepted, never returned or logged).
package llmapi

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/llm"
)

// Deps are what the group needs.
type Deps struct {
	LLM *llm.Service
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"llm.providers":  http.HandlerFunc(d.providers),
		"llm.switch":     http.HandlerFunc(d.switchProvider),
		"llm.config.get": http.HandlerFunc(d.getConfig),
		"llm.config.set": http.HandlerFunc(d.setConfig),
	}
}

// ProvidersResponse is the body of GET /api/v1/llm/providers.
type ProvidersResponse struct {
	Providers       []llm.ProviderStatus `json:"providers"`
	CurrentProvider string               `json:"current_provider"`
	TotalProviders  int                  `json:"total_providers"`
	PricesAsOf      string               `json:"prices_as_of"`
}

var providerParams = []string{"provider_type", "available_only", "include_cost", "include_models"}

func (d Deps) providers(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	flags := map[string]bool{}
	for k := range q {
		switch k {
		case "provider_type":
		case "available_only", "include_cost", "include_models":
			b, err := strconv.ParseBool(q.Get(k))
			if err != nil {
				httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "%s: %q is not a boolean", k, q.Get(k)).WithDetails(core.Detail{Field: k, Message: "not a boolean"}))
				return
			}
			flags[k] = b
		default:
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "unknown query parameter %q; parameters are %s", k, strings.Join(providerParams, ", ")).
				WithDetails(core.Detail{Field: k, Message: "unknown parameter"}))
			return
		}
	}
	list, active := d.LLM.Providers(r.Context())
	out := ProvidersResponse{CurrentProvider: active, PricesAsOf: llm.PricesAsOf, Providers: []llm.ProviderStatus{}}
	filter := strings.ToLower(q.Get("provider_type"))
	for _, p := range list {
		if filter != "" && !strings.Contains(p.Name, filter) && !strings.Contains(string(p.ProviderType), filter) {
			continue
		}
		if flags["available_only"] && !p.Available {
			continue
		}
		if !flags["include_cost"] {
			p.CostInfo = nil
		}
		if !flags["include_models"] {
			p.Models = nil
		}
		out.Providers = append(out.Providers, p)
	}
	out.TotalProviders = len(out.Providers)
	httpx.WriteJSON(w, http.StatusOK, out)
}

// SwitchRequest is the body of POST /api/v1/llm/providers/switch.
type SwitchRequest struct {
	ProviderName  string              `json:"provider_name"`
	ConfigUpdates *llm.ProviderConfig `json:"config_updates,omitempty"`
}

// SwitchResponse answers a switch.
type SwitchResponse struct {
	Success          bool      `json:"success"`
	PreviousProvider string    `json:"previous_provider"`
	NewProvider      string    `json:"new_provider"`
	SwitchedAt       time.Time `json:"switched_at"`
	Message          string    `json:"message"`
}

func (d Deps) switchProvider(w http.ResponseWriter, r *http.Request) {
	var req SwitchRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	name := strings.ToLower(strings.TrimSpace(req.ProviderName))
	if name == "" {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "provider_name: is required").WithDetails(core.Detail{Field: "provider_name", Message: "required"}))
		return
	}
	prev, err := d.LLM.Switch(r.Context(), name, req.ConfigUpdates)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.Logger(r.Context()).Info("llm provider switched", "from", prev, "to", name, "config_updated", req.ConfigUpdates != nil)
	httpx.WriteJSON(w, http.StatusOK, SwitchResponse{Success: true, PreviousProvider: prev, NewProvider: name, SwitchedAt: time.Now().UTC(),
		Message: "requests now go to " + name + " first"})
}

// ConfigResponse is the body of GET /api/v1/llm/config: the configuration
// without secrets and the calling API key's usage totals.
type ConfigResponse struct {
	llm.ConfigSummary
	Usage llm.UsageTotals `json:"usage"`
}

func (d Deps) getConfig(w http.ResponseWriter, r *http.Request) {
	out := ConfigResponse{ConfigSummary: d.LLM.Config(r.Context())}
	caller := httpx.Info(r.Context()).Principal
	if caller == "" {
		caller = "anonymous"
	}
	totals, err := d.LLM.Totals(r.Context(), caller)
	if err != nil {
		httpx.WriteError(w, r, core.Wrap(core.ErrDependency, err, "could not read usage totals"))
		return
	}
	out.Usage = totals
	httpx.WriteJSON(w, http.StatusOK, out)
}

// SetConfigRequest is the body of POST /api/v1/llm/config.
type SetConfigRequest struct {
	ProviderConfigs map[string]llm.ProviderConfig `json:"provider_configs"`
	GlobalConfig    *llm.GlobalConfig             `json:"global_config,omitempty"`
}

// SetConfigResponse answers a configuration change.
type SetConfigResponse struct {
	Success           bool              `json:"success"`
	ValidationResults map[string]string `json:"validation_results"`
	UpdatedConfig     llm.ConfigSummary `json:"updated_config"`
	UpdatedAt         time.Time         `json:"updated_at"`
}

func (d Deps) setConfig(w http.ResponseWriter, r *http.Request) {
	var req SetConfigRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if len(req.ProviderConfigs) == 0 && req.GlobalConfig == nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "provider_configs: at least one provider (or global_config) is required").
			WithDetails(core.Detail{Field: "provider_configs", Message: "required"}))
		return
	}
	normalized := map[string]llm.ProviderConfig{}
	for name, c := range req.ProviderConfigs {
		normalized[strings.ToLower(strings.TrimSpace(name))] = c
	}
	results, err := d.LLM.SetConfig(r.Context(), normalized, req.GlobalConfig)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	names := make([]string, 0, len(normalized))
	for n := range normalized {
		names = append(names, n)
	}
	// Which providers changed is logged; their values (keys) never are.
	httpx.Logger(r.Context()).Info("llm configuration updated", "providers", strings.Join(names, ","), "global", req.GlobalConfig != nil)
	httpx.WriteJSON(w, http.StatusOK, SetConfigResponse{Success: true, ValidationResults: results, UpdatedConfig: d.LLM.Config(r.Context()), UpdatedAt: time.Now().UTC()})
}
