// Package adminapi serves the admin group: API keys as data (create, list,
// read with usage, rotate, revoke). Every route needs the admin scope; the
// secret of a key is returned once, by create and rotate, and never again.
package adminapi

import (
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/privacy"
)

// Deps are what the group needs.
type Deps struct {
	// Keys is the key service; nil when managed keys are off (no bootstrap
	// key configured, or auth disabled), and every route then says so.
	Keys *keys.Service
	// Privacy exports and deletes a tenant's data (nil with Keys).
	Privacy *privacy.Service
	Now     func() time.Time
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	if d.Now == nil {
		d.Now = time.Now
	}
	return map[string]http.Handler{
		"admin.keys.create":    d.needKeys(d.create),
		"admin.keys.list":      d.needKeys(d.list),
		"admin.keys.get":       d.needKeys(d.get),
		"admin.keys.rotate":    d.needKeys(d.rotate),
		"admin.keys.revoke":    d.needKeys(d.revoke),
		"admin.tenants.export": d.needKeys(d.exportTenant),
		"admin.tenants.delete": d.needKeys(d.deleteTenant),
	}
}

func (d Deps) needKeys(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.Keys == nil || d.Privacy == nil {
			httpx.WriteError(w, r, core.Errorf(core.ErrConflict,
				"managed API keys are off on this server: they need authentication on and a bootstrap key (RIPTIDE_API_KEYS or RIPTIDE_API_KEYS_SECRET_ARN)"))
			return
		}
		h(w, r)
	})
}

// CreateRequest is the body of POST /api/v1/admin/keys.
type CreateRequest struct {
	Name   string   `json:"name,omitempty"`
	Tenant string   `json:"tenant,omitempty"`
	Scopes []string `json:"scopes"`
	// ExpiresInSeconds or ExpiresAt (RFC 3339) set an expiry; neither: none.
	ExpiresInSeconds int64     `json:"expires_in_seconds,omitempty"`
	ExpiresAt        time.Time `json:"expires_at,omitzero"`
	// Plan names the key's rate-limit plan (RIPTIDE_RATE_PLANS); empty
	// means "default".
	Plan string `json:"plan,omitempty"`
	// RateLimitPerMinute replaces the plan's requests per minute (shared
	// by every route group); 0 keeps the plan's.
	RateLimitPerMinute int `json:"rate_limit_per_minute,omitempty"`
}

// KeyView is a key as the API shows it: never its hash or salt.
type KeyView struct {
	ID                 string      `json:"id"`
	Prefix             string      `json:"prefix"`
	Name               string      `json:"name,omitempty"`
	Tenant             string      `json:"tenant,omitempty"`
	Scopes             []string    `json:"scopes"`
	Status             string      `json:"status"`
	CreatedAt          time.Time   `json:"created_at"`
	ExpiresAt          *time.Time  `json:"expires_at,omitempty"`
	RevokedAt          *time.Time  `json:"revoked_at,omitempty"`
	RotatedTo          string      `json:"rotated_to,omitempty"`
	Plan               string      `json:"plan,omitempty"`
	RateLimitPerMinute int         `json:"rate_limit_per_minute,omitempty"`
	Usage              *keys.Usage `json:"usage,omitempty"`
}

// CreatedKey is the answer of create and rotate: the record plus the
// secret token, shown this once.
type CreatedKey struct {
	Key   KeyView `json:"key"`
	Token string  `json:"token"`
	// Replaced is the rotated key (rotate only).
	Replaced *KeyView `json:"replaced,omitempty"`
}

// KeyList is the answer of GET /api/v1/admin/keys.
type KeyList struct {
	Keys  []KeyView `json:"keys"`
	Total int       `json:"total"`
}

// RotateRequest is the optional body of POST /api/v1/admin/keys/{id}/rotate.
type RotateRequest struct {
	GraceSeconds int64 `json:"grace_seconds,omitempty"`
}

func (d Deps) view(k keys.Key, u *keys.Usage) KeyView {
	v := KeyView{ID: k.ID, Prefix: "rtk_" + k.ID, Name: k.Name, Tenant: k.Tenant, CreatedAt: k.CreatedAt,
		RotatedTo: k.RotatedTo, Plan: k.Plan, RateLimitPerMinute: k.RateLimit, Usage: u, Scopes: make([]string, len(k.Scopes))}
	for i, s := range k.Scopes {
		v.Scopes[i] = string(s)
	}
	now := d.Now()
	switch {
	case !k.RevokedAt.IsZero():
		v.Status = "revoked"
	case !k.Active(now):
		v.Status = "expired"
	default:
		v.Status = "active"
	}
	if !k.ExpiresAt.IsZero() {
		e := k.ExpiresAt
		v.ExpiresAt = &e
	}
	if !k.RevokedAt.IsZero() {
		e := k.RevokedAt
		v.RevokedAt = &e
	}
	return v
}

func (d Deps) create(w http.ResponseWriter, r *http.Request) {
	var req CreateRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	sp := keys.Spec{Name: req.Name, Tenant: req.Tenant, RateLimit: req.RateLimitPerMinute, Plan: req.Plan, ExpiresAt: req.ExpiresAt}
	for _, s := range req.Scopes {
		sp.Scopes = append(sp.Scopes, keys.Scope(s))
	}
	switch {
	case req.ExpiresInSeconds < 0:
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "expires_in_seconds must be positive").
			WithDetails(core.Detail{Field: "expires_in_seconds", Message: "negative"}))
		return
	case req.ExpiresInSeconds > 0 && !req.ExpiresAt.IsZero():
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "send expires_in_seconds or expires_at, not both"))
		return
	case req.ExpiresInSeconds > 0:
		sp.ExpiresAt = d.Now().Add(time.Duration(min(req.ExpiresInSeconds, 10*365*86400)) * time.Second)
	}
	k, token, err := d.Keys.Create(r.Context(), sp)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, CreatedKey{Key: d.view(k, nil), Token: token})
}

func (d Deps) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "tenant" {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "unknown query parameter %q; the only one is tenant", k).
				WithDetails(core.Detail{Field: k, Message: "unknown parameter"}))
			return
		}
	}
	ks, err := d.Keys.List(r.Context(), q.Get("tenant"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	out := KeyList{Keys: make([]KeyView, 0, len(ks)), Total: len(ks)}
	for _, k := range ks {
		out.Keys = append(out.Keys, d.view(k, nil))
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (d Deps) get(w http.ResponseWriter, r *http.Request) {
	k, u, err := d.Keys.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d.view(k, &u))
}

func (d Deps) rotate(w http.ResponseWriter, r *http.Request) {
	var req RotateRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	old, repl, token, err := d.Keys.Rotate(r.Context(), r.PathValue("id"), time.Duration(req.GraceSeconds)*time.Second)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ov := d.view(old, nil)
	httpx.WriteJSON(w, http.StatusCreated, CreatedKey{Key: d.view(repl, nil), Token: token, Replaced: &ov})
}

func (d Deps) revoke(w http.ResponseWriter, r *http.Request) {
	k, err := d.Keys.Revoke(r.Context(), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, d.view(k, nil))
}

func (d Deps) exportTenant(w http.ResponseWriter, r *http.Request) {
	out, err := d.Privacy.Export(r.Context(), r.PathValue("tenant"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}

func (d Deps) deleteTenant(w http.ResponseWriter, r *http.Request) {
	out, err := d.Privacy.Delete(r.Context(), r.PathValue("tenant"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, out)
}
