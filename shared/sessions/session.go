// Package sessions keeps crawl sessions: a cookie jar (RFC 6265) per
// session, owned by one API key, that every crawl, render and fetch naming
// the session reads before its requests and writes back after them, so a
// login done in one request is there for the next, from any Lambda
// instance. The engine is pure: sessions live behind the Store port
// (shared/store/sessionstore is the Redis adapter).
package sessions

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// Lifetimes of a session.
const (
	// DefaultTTL is how long an unused session lives; every use pushes
	// its expiry to at least now + its TTL.
	DefaultTTL = 24 * time.Hour
	// MinTTL and MaxTTL bound a session's TTL and, for MaxTTL, how far
	// ahead extend may push its expiry.
	MinTTL = time.Minute
	MaxTTL = 30 * 24 * time.Hour
	// MaxPerOwner bounds the live sessions of one API key.
	MaxPerOwner = 1000
)

// Session is one session's record (its cookies are in its jar).
type Session struct {
	ID    string `json:"session_id"`
	Owner string `json:"-"`
	// TTLMS is the idle lifetime: each use moves ExpiresAt to at least
	// now + TTL.
	TTLMS      int64     `json:"ttl_ms"`
	CreatedAt  time.Time `json:"created_at"`
	LastUsedAt time.Time `json:"last_used_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	// Uses counts the pages crawled or rendered with the session.
	Uses int64 `json:"uses"`
	// CookieCount is the number of stored cookies (expired ones included
	// until the jar is next read).
	CookieCount int `json:"cookie_count"`
}

// TTL is the session's idle lifetime.
func (s Session) TTL() time.Duration { return time.Duration(s.TTLMS) * time.Millisecond }

// NewID returns an unguessable session id: "session_" and 128 random
// bits in hex (the original service's shape).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return "session_" + hex.EncodeToString(b[:])
}

// ValidID reports whether id has the shape of a session id, so that
// anything else is refused before it reaches a store key.
func ValidID(id string) bool {
	const prefix = "session_"
	if len(id) != len(prefix)+32 || id[:len(prefix)] != prefix {
		return false
	}
	for _, c := range id[len(prefix):] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
