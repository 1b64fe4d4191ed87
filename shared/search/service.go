package search

import (
	"context"
	"fmt"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// Auto asks for the first provider that is configured, in Service order.
const Auto = "auto"

// Service picks a provider per request (or the configured default) and
// guards each vendor with its circuit breaker.
type Service struct {
	// Providers in the order Auto tries them.
	Providers []Provider
	// Default is RIPTIDE_SEARCH_PROVIDER: a provider name, or "" / "auto".
	Default string
	Breaker *vendorhttp.Breaker
}

// Names lists the providers.
func (s *Service) Names() []string {
	out := make([]string, len(s.Providers))
	for i, p := range s.Providers {
		out[i] = p.Name()
	}
	return out
}

// Resolve returns the provider a request names (empty: the default) once
// it is ready. A provider that lacks its key is a dependency_error naming
// the variable; an unknown name is a validation_error.
func (s *Service) Resolve(ctx context.Context, name string) (Provider, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		name = strings.ToLower(s.Default)
	}
	if name == "" || name == Auto {
		var vars []string
		for _, p := range s.Providers {
			err := p.Ready(ctx)
			if err == nil {
				return p, nil
			}
			vars = append(vars, requirement(p.Name()))
		}
		return nil, notConfigured("no search provider is configured: set one of %s (RIPTIDE_SEARCH_PROVIDER picks one when several are)", strings.Join(vars, ", "))
	}
	for _, p := range s.Providers {
		if p.Name() == name {
			if err := p.Ready(ctx); err != nil {
				return nil, err
			}
			return p, nil
		}
	}
	return nil, core.Errorf(core.ErrValidation, "provider %q is not a search provider; providers are %s (or auto)", name, strings.Join(s.Names(), ", ")).
		WithDetails(core.Detail{Field: "provider", Message: "unknown provider"})
}

func requirement(provider string) string {
	switch provider {
	case "serper":
		return SerperKeyVar
	case "brave":
		return BraveKeyVar
	case "tavily":
		return TavilyKeyVar
	case "searxng":
		return SearXNGURLVar
	}
	return provider
}

// Search runs q (normalised) through the named provider.
func (s *Service) Search(ctx context.Context, provider string, q Query) (Response, error) {
	p, err := s.Resolve(ctx, provider)
	if err != nil {
		return Response{}, err
	}
	if err := s.Breaker.Allow(ctx, p.Name()); err != nil {
		return Response{}, err
	}
	resp, err := p.Search(ctx, q)
	s.Breaker.Record(ctx, p.Name(), err)
	if err != nil {
		return Response{}, err
	}
	return resp, nil
}

// String describes the service for logs.
func (s *Service) String() string {
	return fmt.Sprintf("search(%s, default %q)", strings.Join(s.Names(), ","), s.Default)
}
