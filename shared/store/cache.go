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
	b, err := decodeValue(raw)
	if err != nil {
		return nil, false, fmt.Errorf("cache entry %s: %w", key, err)
	}
	return b, true, nil
}

// Set stores value under key for ttl.
func (c *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	v, err := encodeValue(value)
	if err != nil {
		return err
	}
	if err := c.s.Client.Set(ctx, c.key(key), v, ttl).Err(); err != nil {
		return fmt.Errorf("cache set: %w", err)
	}
	return nil
}

// encodeValue tags a value and gzips it when it is over compressAbove.
func encodeValue(value []byte) ([]byte, error) {
	var buf bytes.Buffer
	if len(value) <= compressAbove {
		buf.WriteByte(tagPlain)
		buf.Write(value)
		return buf.Bytes(), nil
	}
	buf.WriteByte(tagGzip)
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write(value)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeValue reverses encodeValue.
func decodeValue(raw []byte) ([]byte, error) {
	switch raw[0] {
	case tagPlain:
		return raw[1:], nil
	case tagGzip:
		zr, err := gzip.NewReader(bytes.NewReader(raw[1:]))
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
	return nil, fmt.Errorf("unknown encoding %q", raw[0])
}
