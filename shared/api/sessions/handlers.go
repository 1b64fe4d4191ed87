// Package sessionsapi serves the sessions endpoint group: sessions
// (create, list, get, delete, extend, stats, cleanup) and their cookies,
// each visible only to the API key that created it.
package sessionsapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/sessions"
)

// Deps are what the group needs: the sessions engine on its store.
type Deps struct {
	Service *sessions.Service
}

// Handlers returns the group's handlers keyed by operation id.
func Handlers(d Deps) map[string]http.Handler {
	return map[string]http.Handler{
		"sessions.create":         http.HandlerFunc(d.create),
		"sessions.list":           http.HandlerFunc(d.list),
		"sessions.stats":          http.HandlerFunc(d.stats),
		"sessions.cleanup":        http.HandlerFunc(d.cleanup),
		"sessions.get":            http.HandlerFunc(d.get),
		"sessions.delete":         http.HandlerFunc(d.delete),
		"sessions.extend":         http.HandlerFunc(d.extend),
		"sessions.cookies.set":    http.HandlerFunc(d.setCookie),
		"sessions.cookies.list":   http.HandlerFunc(d.listCookies),
		"sessions.cookies.clear":  http.HandlerFunc(d.clearCookies),
		"sessions.cookies.domain": http.HandlerFunc(d.domainCookies),
		"sessions.cookies.get":    http.HandlerFunc(d.getCookie),
		"sessions.cookies.delete": http.HandlerFunc(d.deleteCookie),
	}
}

// Owner is who a session belongs to (httpx.Owner: the caller's tenant or
// id; with authentication off, every caller is one owner). The pipeline's
// sessions are scoped the same way.
func Owner(r *http.Request) string { return httpx.Owner(r.Context()) }

// SessionURL is where a session is read.
func SessionURL(id string) string { return "/api/v1/sessions/" + id }

func (d Deps) create(w http.ResponseWriter, r *http.Request) {
	var spec sessions.CreateSpec
	if err := httpx.Decode(r, &spec); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	v, err := d.Service.Create(r.Context(), Owner(r), spec)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Location", SessionURL(v.ID))
	httpx.WriteJSON(w, http.StatusCreated, v)
}

// DefaultPage and MaxPage bound a listing page.
const (
	DefaultPage = 50
	MaxPage     = 100
)

func (d Deps) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultPage
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > MaxPage {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "limit: must be 1..%d", MaxPage).WithDetails(core.Detail{Field: "limit", Message: "out of range"}))
			return
		}
		limit = n
	}
	page, err := d.Service.List(r.Context(), Owner(r), q.Get("cursor"), limit)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, page)
}

func (d Deps) stats(w http.ResponseWriter, r *http.Request) {
	st, err := d.Service.Stats(r.Context(), Owner(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, st)
}

func (d Deps) cleanup(w http.ResponseWriter, r *http.Request) {
	rep, err := d.Service.Cleanup(r.Context(), Owner(r))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

func (d Deps) get(w http.ResponseWriter, r *http.Request) {
	v, err := d.Service.Get(r.Context(), Owner(r), r.PathValue("id"))
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (d Deps) delete(w http.ResponseWriter, r *http.Request) {
	if err := d.Service.Delete(r.Context(), Owner(r), r.PathValue("id")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ExtendRequest is the body of POST /api/v1/sessions/{id}/extend: one of
// the two fields.
type ExtendRequest struct {
	// AdditionalMS is added to the session's expiry (at most 30 days
	// from now in all).
	AdditionalMS int64 `json:"additional_ms,omitempty"`
	// AdditionalSeconds is the original API's field (deprecated).
	AdditionalSeconds int64 `json:"additional_seconds,omitempty"`
}

func (d Deps) extend(w http.ResponseWriter, r *http.Request) {
	var req ExtendRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if (req.AdditionalMS != 0) == (req.AdditionalSeconds != 0) {
		httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "additional_ms: give the time to add, in milliseconds").
			WithDetails(core.Detail{Field: "additional_ms", Message: "required"}))
		return
	}
	ms := req.AdditionalMS + req.AdditionalSeconds*1000
	if req.AdditionalSeconds > sessions.MaxTTL.Milliseconds()/1000 || ms > sessions.MaxTTL.Milliseconds() {
		ms = sessions.MaxTTL.Milliseconds() + 1 // too long; the engine says so (and no overflow)
	}
	if req.AdditionalMS < 0 || req.AdditionalSeconds < 0 {
		ms = -1 // the engine says it must be positive
	}
	add := time.Duration(ms) * time.Millisecond
	v, err := d.Service.Extend(r.Context(), Owner(r), r.PathValue("id"), add)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}

func (d Deps) setCookie(w http.ResponseWriter, r *http.Request) {
	var spec sessions.CookieSpec
	if err := httpx.Decode(r, &spec); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := d.Service.SetCookie(r.Context(), Owner(r), r.PathValue("id"), spec)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, c)
}

// CookieList is a session's cookies (all of them, or those that apply to
// Domain).
type CookieList struct {
	SessionID string            `json:"session_id"`
	Domain    string            `json:"domain,omitempty"`
	Cookies   []sessions.Cookie `json:"cookies"`
}

func (d Deps) listCookies(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	cs, err := d.Service.Cookies(r.Context(), Owner(r), id)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if cs == nil {
		cs = []sessions.Cookie{}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, CookieList{SessionID: id, Cookies: cs})
}

func (d Deps) clearCookies(w http.ResponseWriter, r *http.Request) {
	if _, err := d.Service.ClearCookies(r.Context(), Owner(r), r.PathValue("id")); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (d Deps) domainCookies(w http.ResponseWriter, r *http.Request) {
	id, domain := r.PathValue("id"), r.PathValue("domain")
	cs, err := d.Service.DomainCookies(r.Context(), Owner(r), id, domain)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, CookieList{SessionID: id, Domain: domain, Cookies: cs})
}

func (d Deps) getCookie(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	if err := sessions.ParseCookiePath(path); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	c, err := d.Service.Cookie(r.Context(), Owner(r), r.PathValue("id"), r.PathValue("domain"), r.PathValue("name"), path)
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, c)
}

func (d Deps) deleteCookie(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Query().Get("path")
	if err := sessions.ParseCookiePath(path); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	if _, err := d.Service.DeleteCookie(r.Context(), Owner(r), r.PathValue("id"), r.PathValue("domain"), r.PathValue("name"), path); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
