// Package store opens RipTide's Redis: a real server when REDIS_URL is set
// (TLS and auth for ElastiCache), otherwise an in-process miniredis so that
// `riptide serve` needs no setup. Every key lives under one prefix and the
// layout is versioned by a schema key (docs/storage.md).
//
// Its Lua scripts are hashed (redis.NewScript) on first use, not at
// package init, which every cold start of every function linking the
// package pays (docs/cold-start.md).
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Options selects and configures the Redis.
type Options struct {
	URL      string // empty: embedded miniredis
	Password string // overrides the URL's password (ElastiCache auth token)
	Prefix   string // key prefix, e.g. "riptide:"
}

// Store is an open Redis with RipTide's key namespace.
type Store struct {
	Client   *redis.Client
	prefix   string
	embedded *miniredis.Miniredis
}

// Open connects (lazily: go-redis dials on first use, keeping cold starts
// short) and returns the store. The embedded server starts at once.
func Open(opts Options) (*Store, error) {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = "riptide:"
	}
	s := &Store{prefix: prefix}
	var ro *redis.Options
	if opts.URL == "" {
		mr := miniredis.NewMiniRedis()
		// miniredis counts TTLs down only when told to (FastForward), so
		// without this a key with an expiry (cache entries, locks, rate
		// windows, monitor buckets) would live forever in `riptide serve`.
		// ClockTTL runs them against the wall clock like Redis does.
		mr.ClockTTL(true)
		if err := mr.StartAddr("127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("start embedded redis: %w", err)
		}
		s.embedded = mr
		ro = &redis.Options{Addr: mr.Addr()}
	} else {
		var err error
		ro, err = redis.ParseURL(opts.URL)
		if err != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", redactURLError(err, opts.URL))
		}
	}
	if opts.Password != "" {
		ro.Password = opts.Password
	}
	ro.DialTimeout = 2 * time.Second
	ro.ReadTimeout = 3 * time.Second
	ro.WriteTimeout = 3 * time.Second
	s.Client = redis.NewClient(ro)
	return s, nil
}

// redactURLError keeps a password in REDIS_URL out of error messages.
func redactURLError(err error, url string) error {
	msg := err.Error()
	if i := strings.Index(url, "@"); i > 0 {
		msg = strings.ReplaceAll(msg, url[:i], "redacted")
	}
	return errors.New(msg)
}

// Prefix is the prefix of every key of the store ("riptide:").
func (s *Store) Prefix() string { return s.prefix }

// Embedded reports whether the store is the in-process miniredis.
func (s *Store) Embedded() bool { return s.embedded != nil }

// Kind names the backend for health reports: "redis" or "embedded".
func (s *Store) Kind() string {
	if s.Embedded() {
		return "embedded"
	}
	return "redis"
}

// Key builds a namespaced key from parts: Key("cache", "v1", h) ->
// "riptide:cache:v1:<h>".
func (s *Store) Key(parts ...string) string {
	return s.prefix + strings.Join(parts, ":")
}

// Ping checks the connection.
func (s *Store) Ping(ctx context.Context) error {
	return s.Client.Ping(ctx).Err()
}

// Close closes the client and stops the embedded server.
func (s *Store) Close() error {
	err := s.Client.Close()
	if s.embedded != nil {
		s.embedded.Close()
	}
	return err
}

// ErrSchemaTooNew means the Redis was written by a newer RipTide.
var ErrSchemaTooNew = errors.New("store schema is newer than this binary")
