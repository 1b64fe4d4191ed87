// Package privacy exports and deletes the data held about one tenant:
// its managed API keys with their usage, and whatever each data source
// keeps under those keys' principals. It is a pure engine: sources are
// adapters (shared/store) behind the Source port.
package privacy

import (
	"context"
	"fmt"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/keys"
)

// Subject is whose data a request is about.
type Subject struct {
	Tenant string
	// KeyIDs are the tenant's managed key ids; Principals the ids under
	// which the HTTP core records their use ("rtk_<id>").
	KeyIDs     []string
	Principals []string
	// Owner is the owner name of the tenant's jobs, schedules, sessions
	// and spider runs (keys.TenantOwner).
	Owner string
}

// Source is one kind of data kept about callers.
type Source interface {
	Name() string
	// Export returns the subject's data (JSON-encodable), nil when none.
	Export(ctx context.Context, s Subject) (any, error)
	// Delete removes the subject's data and returns how many items went.
	Delete(ctx context.Context, s Subject) (int64, error)
}

// Service exports and deletes a tenant's data.
type Service struct {
	Keys    *keys.Service
	Sources []Source
}

// ExportedKey is a key record without its hash and salt.
type ExportedKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name,omitempty"`
	Scopes    []string   `json:"scopes"`
	CreatedAt string     `json:"created_at"`
	ExpiresAt string     `json:"expires_at,omitempty"`
	RevokedAt string     `json:"revoked_at,omitempty"`
	Usage     keys.Usage `json:"usage"`
}

// Export is everything held about a tenant.
type Export struct {
	Tenant string         `json:"tenant"`
	Keys   []ExportedKey  `json:"keys"`
	Data   map[string]any `json:"data"`
}

// Deletion reports what a deletion removed, per source.
type Deletion struct {
	Tenant  string           `json:"tenant"`
	Keys    int              `json:"keys_deleted"`
	Deleted map[string]int64 `json:"deleted"`
}

func (s *Service) subject(ctx context.Context, tenant string) (Subject, []keys.Key, error) {
	if tenant == "" {
		return Subject{}, nil, core.Errorf(core.ErrValidation, "tenant is required")
	}
	ks, err := s.Keys.List(ctx, tenant)
	if err != nil {
		return Subject{}, nil, err
	}
	sub := Subject{Tenant: tenant, Owner: keys.TenantOwner(tenant)}
	for _, k := range ks {
		sub.KeyIDs = append(sub.KeyIDs, k.ID)
		sub.Principals = append(sub.Principals, "rtk_"+k.ID)
	}
	return sub, ks, nil
}

// Export returns the tenant's keys (with usage) and each source's data.
func (s *Service) Export(ctx context.Context, tenant string) (Export, error) {
	sub, ks, err := s.subject(ctx, tenant)
	if err != nil {
		return Export{}, err
	}
	out := Export{Tenant: tenant, Keys: []ExportedKey{}, Data: map[string]any{}}
	for _, k := range ks {
		_, u, err := s.Keys.Get(ctx, k.ID)
		if err != nil {
			return Export{}, err
		}
		ek := ExportedKey{ID: k.ID, Name: k.Name, CreatedAt: k.CreatedAt.Format(timeFormat), Usage: u}
		for _, sc := range k.Scopes {
			ek.Scopes = append(ek.Scopes, string(sc))
		}
		if !k.ExpiresAt.IsZero() {
			ek.ExpiresAt = k.ExpiresAt.Format(timeFormat)
		}
		if !k.RevokedAt.IsZero() {
			ek.RevokedAt = k.RevokedAt.Format(timeFormat)
		}
		out.Keys = append(out.Keys, ek)
	}
	for _, src := range s.Sources {
		v, err := src.Export(ctx, sub)
		if err != nil {
			return Export{}, core.Wrap(core.ErrDependency, err, fmt.Sprintf("export %s", src.Name()))
		}
		if v != nil {
			out.Data[src.Name()] = v
		}
	}
	return out, nil
}

const timeFormat = "2006-01-02T15:04:05Z07:00"

// Delete removes the tenant's data from every source, then its keys
// (revoked first, so a key cannot be used while its data goes).
func (s *Service) Delete(ctx context.Context, tenant string) (Deletion, error) {
	sub, _, err := s.subject(ctx, tenant)
	if err != nil {
		return Deletion{}, err
	}
	out := Deletion{Tenant: tenant, Deleted: map[string]int64{}}
	for _, id := range sub.KeyIDs {
		if _, err := s.Keys.Revoke(ctx, id); err != nil {
			return out, err
		}
	}
	for _, src := range s.Sources {
		n, err := src.Delete(ctx, sub)
		if err != nil {
			return out, core.Wrap(core.ErrDependency, err, fmt.Sprintf("delete %s", src.Name()))
		}
		out.Deleted[src.Name()] = n
	}
	for _, id := range sub.KeyIDs {
		if err := s.Keys.DeleteKey(ctx, id); err != nil {
			return out, err
		}
		out.Keys++
	}
	return out, nil
}
