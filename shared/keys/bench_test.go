package keys_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/keys"
)

// memStore is an in-memory keys.Store for the benchmark: it measures the
// service's own cost (parse, cache, HMAC, compare), not Redis.
type memStore struct {
	mu sync.Mutex
	m  map[string]keys.Key
}

func (s *memStore) Put(_ context.Context, k keys.Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[k.ID] = k
	return nil
}
func (s *memStore) Get(_ context.Context, id string) (keys.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.m[id]
	if !ok {
		return keys.Key{}, keys.ErrNotFound
	}
	return k, nil
}
func (s *memStore) List(context.Context) ([]keys.Key, error)                      { return nil, nil }
func (s *memStore) Delete(context.Context, string) error                          { return nil }
func (s *memStore) AddUsage(context.Context, string, keys.Delta, time.Time) error { return nil }
func (s *memStore) Usage(context.Context, string) (keys.Usage, error)             { return keys.Usage{}, nil }

// BenchmarkAuthenticateCached is the per-request cost of a managed key
// once its record is cached (compare with BenchmarkStaticKeys in httpx).
func BenchmarkAuthenticateCached(b *testing.B) {
	svc := &keys.Service{Store: &memStore{m: map[string]keys.Key{}}, Pepper: []byte("p")}
	_, token, err := svc.Create(context.Background(), keys.Spec{Scopes: []keys.Scope{keys.ScopeCrawl}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
