package store

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cache is the crawl-result cache in Redis, under <prefix>cache:v1:<key>.
// Values over compressAbove bytes are gzipped: extracted documents are text
// and shrink 4-8x, which matters on a small ElastiCache node.
type Cache struct {
	s *Store
}

// NewCache returns the cache of s.
func NewCache(s *Store) *Cache { return &Cache{s: s} }

const (
	compressAbove = 4 << 10
	tagPlain      = 'p'
	tagGzip       = 'z'
)

func (c *Cache) key(k string) string { return c.s.Key("cache", "v1", k) }

// Get returns the value stored under key, if any.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	raw, err := c.s.Client.Get(ctx, c.key(key)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("cache get: %w", err)
	}
	if len(raw) == 0 {
		return nil, false, nil
	}
	switch raw[0] {
	case tagPlain:
		return raw[1:], true, nil
	case tagGzip:
		zr, err := gzip.NewReader(bytes.NewReader(raw[1:]))
		if err != nil {
			return nil, false, fmt.Errorf("cache entry %s: %w", key, err)
		}
		b, err := io.ReadAll(zr)
		if err != nil {
			return nil, false, fmt.Errorf("cache entry %s: %w", key, err)
		}
		return b, true, nil
	}
	return nil, false, fmt.Errorf("cache entry %s: unknown encoding %q", key, raw[0])
}

// Set stores value under key for ttl.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	var buf bytes.Buffer
	if len(value) > compressAbove {
		buf.WriteByte(tagGzip)
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		_, _ = zw.Write(value)
		if err := zw.Close(); err != nil {
			return err
		}
	} else {
		buf.WriteByte(tagPlain)
		buf.Write(value)
	}
	if err := c.s.Client.Set(ctx, c.key(key), buf.Bytes(), ttl).Err(); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	return nil
}
