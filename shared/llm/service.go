package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// Variables the Service reads besides each provider's own.
const (
	ProviderVar = "RIPTIDE_LLM_PROVIDER" // the active provider
	FailoverVar = "RIPTIDE_LLM_FAILOVER" // comma-separated chain, or "none"
)

// DefaultTimeout bounds one provider attempt unless its timeout_ms says
// otherwise.
const DefaultTimeout = 60 * time.Second

// Service is the LLM layer: provider configuration (environment, then what
// was set through the API), the active provider and failover chain,
// circuit breakers and usage accounting.
type Service struct {
	// Lookup reads non-secret settings (base URLs, models, regions).
	Lookup func(string) (string, bool)
	// Keys resolves API keys (shared/secrets.VendorKeys).
	Keys vendorhttp.KeySource
	// Store keeps configuration set through the API; nil means the
	// environment only (POST /llm/config is then refused).
	Store ConfigStore
	// Usage keeps totals per API key; nil keeps none.
	Usage   UsageStore
	Breaker *vendorhttp.Breaker
	// HTTP calls base URLs from the environment (operator-trusted).
	HTTP *http.Client
	// GuardedHTTP calls base URLs set through the API: its dialer must
	// apply the SSRF guard, so that an API caller cannot make RipTide POST
	// to internal addresses. Without it such base URLs are refused.
	GuardedHTTP *http.Client
	// Bedrock builds a Bedrock Converse client (shared/llm/bedrock); nil
	// means this build has none.
	// guarded is GuardedHTTP when cfg's base URL was set through the API
	// (it must reach the endpoint through the SSRF guard), else nil.
	Bedrock func(cfg ProviderConfig, guarded *http.Client) (Client, error)
	Now     func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) env(name string) string {
	if s.Lookup == nil || name == "" {
		return ""
	}
	v, _ := s.Lookup(name)
	return strings.TrimSpace(v)
}

// resolved is a provider's effective configuration.
type resolved struct {
	Spec      Spec
	Config    ProviderConfig
	KeySource string // "environment", "secret", "api" or ""
	APIURL    bool   // base URL set through the API (goes through GuardedHTTP)
	Missing   []string
	KeyErr    error // the key could not be read (not merely unset)
}

func (r resolved) configured() bool { return len(r.Missing) == 0 && r.KeyErr == nil }

func (s *Service) loadStored(ctx context.Context) StoredConfig {
	if s.Store == nil {
		return StoredConfig{}
	}
	c, err := s.Store.Load(ctx)
	if err != nil {
		// The environment still configures providers when the store is
		// down; a Redis blip must not stop extraction.
		return StoredConfig{}
	}
	return c
}

func (s *Service) resolve(ctx context.Context, stored StoredConfig, spec Spec) resolved {
	r := resolved{Spec: spec}
	c := ProviderConfig{BaseURL: s.env(spec.BaseURLVar), Model: s.env(spec.ModelVar), Region: s.env(spec.RegionVar)}
	if spec.Kind == KindBedrock && c.Region == "" {
		c.Region = orString(s.env("AWS_REGION"), s.env("AWS_DEFAULT_REGION"))
	}
	if spec.KeyVar != "" && s.Keys != nil {
		key, err := s.Keys.Key(ctx, spec.KeyVar)
		switch e := core.AsError(err); {
		case err == nil:
			c.APIKey = key
			r.KeySource = "secret"
			if s.env(spec.KeyVar) != "" {
				r.KeySource = "environment"
			}
		case !e.Permanent:
			r.KeyErr = err
		}
	}
	if sc, ok := stored.Providers[spec.Name]; ok {
		if sc.APIKey != "" {
			r.KeySource = "api"
		}
		if sc.BaseURL != "" {
			r.APIURL = true
		}
		c = c.merge(sc)
	}
	// Defaults apply only once the provider is otherwise set up (Ollama's
	// default URL must not make it look configured).
	if c.BaseURL == "" {
		c.BaseURL = spec.DefaultBaseURL
	}
	if c.Model == "" {
		c.Model = spec.DefaultModel
	}
	r.Config = c
	for _, f := range spec.Required {
		if (f == "api_key" && c.APIKey == "") || (f == "base_url" && c.BaseURL == "") || (f == "model" && c.Model == "") || (f == "region" && c.Region == "") {
			r.Missing = append(r.Missing, f)
		}
	}
	return r
}

// requirementText says how to configure what r lacks.
func (r resolved) requirementText() string {
	var parts []string
	for _, f := range r.Missing {
		switch f {
		case "api_key":
			parts = append(parts, r.Spec.KeyVar)
		case "base_url":
			parts = append(parts, r.Spec.BaseURLVar)
		case "model":
			parts = append(parts, r.Spec.ModelVar)
		case "region":
			parts = append(parts, r.Spec.RegionVar+" (or AWS_REGION)")
		}
	}
	return strings.Join(parts, ", ")
}

func (s *Service) all(ctx context.Context, stored StoredConfig) []resolved {
	out := make([]resolved, len(Specs))
	for i, sp := range Specs {
		out[i] = s.resolve(ctx, stored, sp)
	}
	return out
}

// active is the active provider's name: set through the API, else
// RIPTIDE_LLM_PROVIDER, else the first configured provider.
func (s *Service) active(stored StoredConfig, all []resolved) string {
	if stored.Active != "" {
		return stored.Active
	}
	if v := strings.ToLower(s.env(ProviderVar)); v != "" && v != "auto" {
		return v
	}
	for _, r := range all {
		if r.configured() {
			return r.Spec.Name
		}
	}
	return ""
}

// failover is the chain after the active provider: set through the API,
// else RIPTIDE_LLM_FAILOVER, else every other configured provider.
func (s *Service) failover(stored StoredConfig, all []resolved, active string) []string {
	var chain []string
	switch v := strings.ToLower(s.env(FailoverVar)); {
	case stored.Failover != nil:
		chain = stored.Failover
	case v == "none":
		return nil
	case v != "":
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				chain = append(chain, p)
			}
		}
	default:
		for _, r := range all {
			if r.configured() {
				chain = append(chain, r.Spec.Name)
			}
		}
	}
	var out []string
	for _, n := range chain {
		if n != active && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

func find(all []resolved, name string) (resolved, bool) {
	for _, r := range all {
		if r.Spec.Name == name {
			return r, true
		}
	}
	return resolved{}, false
}

// chain is the providers a request tries, in order: only the named one
// when the request names one, else the active one and the failover chain.
func (s *Service) chain(ctx context.Context, provider string) ([]resolved, error) {
	stored := s.loadStored(ctx)
	all := s.all(ctx, stored)
	if provider != "" {
		r, ok := find(all, provider)
		if !ok {
			return nil, core.Errorf(core.ErrValidation, "%q is not an LLM provider; providers are %s", provider, strings.Join(SpecNames(), ", "))
		}
		if err := r.usable(); err != nil {
			return nil, err
		}
		return []resolved{r}, nil
	}
	active := s.active(stored, all)
	names := append([]string{active}, s.failover(stored, all, active)...)
	var out []resolved
	var firstErr error
	for _, n := range names {
		r, ok := find(all, n)
		if !ok {
			continue
		}
		if err := r.usable(); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		if firstErr != nil && active != "" {
			return nil, firstErr
		}
		return nil, s.noneConfigured()
	}
	return out, nil
}

func (r resolved) usable() error {
	if r.KeyErr != nil {
		return r.KeyErr
	}
	if len(r.Missing) > 0 {
		return &core.Error{Type: core.ErrDependency, Permanent: true,
			Message: fmt.Sprintf("LLM provider %s is not configured: set %s (or POST /api/v1/llm/config)", r.Spec.Name, r.requirementText())}
	}
	return nil
}

func (s *Service) noneConfigured() error {
	return &core.Error{Type: core.ErrDependency, Permanent: true, Message: "no LLM provider is configured: set one of OPENAI_API_KEY, ANTHROPIC_API_KEY, " +
		"AZURE_OPENAI_API_KEY (+ AZURE_OPENAI_BASE_URL, AZURE_OPENAI_MODEL), OPENROUTER_API_KEY, BEDROCK_MODEL_ID (+ AWS_REGION), OLLAMA_MODEL, " +
		"VLLM_BASE_URL + VLLM_MODEL or LOCALAI_BASE_URL + LOCALAI_MODEL, or configure one with POST /api/v1/llm/config"}
}

// Ready returns nil when at least one provider can take a request.
func (s *Service) Ready(ctx context.Context) error {
	_, err := s.chain(ctx, "")
	return err
}

// Limits returns the context window and output limit of the model a
// request would use first (for chunking input to fit).
func (s *Service) Limits(ctx context.Context, provider string) (contextWindow, maxOutput int, err error) {
	ch, err := s.chain(ctx, provider)
	if err != nil {
		return 0, 0, err
	}
	// Fit the smallest window of the chain, so a failover can take the
	// same input.
	contextWindow, maxOutput = 0, 0
	for _, r := range ch {
		cw, mo := r.limits()
		if contextWindow == 0 || cw < contextWindow {
			contextWindow = cw
		}
		if maxOutput == 0 || mo < maxOutput {
			maxOutput = mo
		}
	}
	return contextWindow, maxOutput, nil
}

func (r resolved) limits() (int, int) {
	m, ok := lookupModel(r.Spec.Name, r.Config.Model)
	cw, mo := DefaultContextWindow, 4096
	if ok {
		cw, mo = m.ContextWindow, m.MaxOutputTokens
	}
	if r.Config.ContextWindow > 0 {
		cw = r.Config.ContextWindow
	}
	return cw, mo
}

func (s *Service) client(r resolved) (Client, error) {
	hc := s.HTTP
	if r.APIURL {
		if s.GuardedHTTP == nil {
			return nil, core.Errorf(core.ErrDependency, "%s: a base_url set through the API needs the SSRF-guarded client, which this deployment lacks", r.Spec.Name)
		}
		hc = s.GuardedHTTP
	}
	switch r.Spec.Kind {
	case KindOpenAI:
		return &OpenAIClient{Provider: r.Spec.Name, BaseURL: r.Config.BaseURL, APIKey: r.Config.APIKey, KeyVar: r.Spec.KeyVar,
			AuthHeader: r.Spec.AuthHeader, LegacyMaxTokens: r.Spec.SelfHosted, HTTP: hc}, nil
	case KindAnthropic:
		return &AnthropicClient{BaseURL: r.Config.BaseURL, APIKey: r.Config.APIKey, HTTP: hc}, nil
	case KindBedrock:
		if s.Bedrock == nil {
			return nil, core.Errorf(core.ErrDependency, "bedrock is not available in this build")
		}
		var guarded *http.Client
		if r.APIURL {
			guarded = hc
		}
		return s.Bedrock(r.Config, guarded)
	}
	return nil, core.Errorf(core.ErrInternal, "provider %s has no client", r.Spec.Name)
}

// price is what a completion of model costs on provider r, or nil.
func (r resolved) price(model string) *Price {
	c := r.Config
	if c.InputCost != nil && c.OutputCost != nil {
		return &Price{InputPerMTok: *c.InputCost, OutputPerMTok: *c.OutputCost, Currency: "USD"}
	}
	if r.Spec.SelfHosted {
		return &Price{Currency: "USD"}
	}
	for _, name := range []string{model, c.Model} {
		if m, ok := lookupModel(r.Spec.Name, name); ok {
			return m.Price
		}
	}
	// A dated snapshot ("gpt-4.1-mini-2025-04-14") costs what its alias does.
	for _, m := range Catalog[catalogFamily(r.Spec.Name)] {
		if strings.HasPrefix(model, m.Name+"-20") {
			return m.Price
		}
	}
	return nil
}

// failoverable reports whether the next provider should be tried: the
// failure is the provider's (timeout, 429, 5xx, unreachable, circuit
// open), not the request's or the configuration's.
func failoverable(err error) bool {
	e := core.AsError(err)
	if e.Permanent {
		return false
	}
	switch e.Type {
	case core.ErrTimeout, core.ErrRateLimited, core.ErrDependency:
		return true
	}
	return false
}

// Complete runs req on the active provider, failing over along the chain,
// and accounts its usage to the caller of ctx (WithCaller).
func (s *Service) Complete(ctx context.Context, req Request) (Response, error) {
	chain, err := s.chain(ctx, req.Provider)
	if err != nil {
		return Response{}, err
	}
	var (
		failed  []FailedAttempt
		lastErr error
	)
	for i, r := range chain {
		name := r.Spec.Name
		if err := s.Breaker.Allow(ctx, name); err != nil {
			failed, lastErr = append(failed, attempt(name, err)), err
			continue
		}
		rq := req
		rq.Model = r.Config.Model
		if i == 0 && req.Model != "" {
			rq.Model = req.Model
		}
		client, err := s.client(r)
		if err != nil {
			failed, lastErr = append(failed, attempt(name, err)), err
			continue
		}
		timeout := DefaultTimeout
		if r.Config.TimeoutMS > 0 {
			timeout = time.Duration(r.Config.TimeoutMS) * time.Millisecond
		}
		actx, cancel := context.WithTimeout(ctx, timeout)
		resp, err := client.Complete(actx, rq)
		cancel()
		if err != nil && ctx.Err() != nil {
			return Response{}, err // the caller gave up; nothing to fail over for
		}
		s.Breaker.Record(ctx, name, err)
		if err == nil {
			resp.Usage.CostUSD = cost(r.price(resp.Model), resp.Usage.InputTokens, resp.Usage.OutputTokens)
			resp.Usage.Failover = failed
			if s.Usage != nil {
				_ = s.Usage.Add(ctx, CallerFrom(ctx), resp.Usage)
			}
			return resp, nil
		}
		if !failoverable(err) {
			return Response{}, err
		}
		failed, lastErr = append(failed, attempt(name, err)), err
	}
	if len(failed) == 1 {
		return Response{}, lastErr
	}
	e := core.AsError(lastErr)
	var parts []string
	for _, f := range failed {
		parts = append(parts, f.Provider+": "+f.Message)
	}
	return Response{}, &core.Error{Type: e.Type, RetryAfterSeconds: e.RetryAfterSeconds, Cause: errors.Join(lastErr),
		Message: "every LLM provider in the failover chain failed: " + strings.Join(parts, "; ")}
}

func attempt(provider string, err error) FailedAttempt {
	e := core.AsError(err)
	return FailedAttempt{Provider: provider, ErrorType: string(e.Type), Message: e.Message}
}
