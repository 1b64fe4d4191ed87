// Package blob is the port for binary objects too large for Redis or for a
// response: render artifacts, large job and spider results, uploaded PDFs,
// WASM modules, backups. It has two local adapters (Memory, the default of
// `riptide serve`, and Dir, a folder on disk) and one AWS adapter
// (s3blob, in its own package so engines that store blobs never link the
// AWS SDK).
package blob

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound is returned (wrapped) by Get and Delete for a missing key.
var ErrNotFound = errors.New("blob not found")

// Object describes one stored object.
type Object struct {
	Key         string    `json:"key"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type,omitempty"`
	Modified    time.Time `json:"modified"`
}

// Store keeps objects by key. Keys are slash-separated paths of
// [A-Za-z0-9._-] segments (ValidKey); adapters refuse others.
type Store interface {
	// Put stores data under key. It keeps no reference to data once it
	// returns: callers reuse their buffers (the spider's record objects
	// come from a pool).
	Put(ctx context.Context, key, contentType string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, Object, error)
	Delete(ctx context.Context, key string) error
	// List returns the objects whose key starts with prefix, by key.
	List(ctx context.Context, prefix string) ([]Object, error)
}

// Linker is implemented by stores that can hand out time-limited links a
// client uses directly (S3 presigned URLs). Local stores cannot: callers
// then return the data inline or serve it themselves.
type Linker interface {
	DownloadLink(ctx context.Context, key string, ttl time.Duration) (string, error)
	// UploadLink returns a URL the client PUTs the object to, with the
	// content type it must send.
	UploadLink(ctx context.Context, key, contentType string, ttl time.Duration) (string, error)
}

// ValidKey reports whether key is safe as an object key on every adapter:
// no empty, "." or ".." segment, no leading slash, at most 512 bytes.
func ValidKey(key string) error {
	if key == "" || len(key) > 512 {
		return fmt.Errorf("blob key must be 1-512 bytes")
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("blob key %q: empty, . or .. segment", key)
		}
		for _, c := range seg {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Errorf("blob key %q: only letters, digits, '.', '_', '-' and '/' are allowed", key)
			}
		}
	}
	return nil
}
