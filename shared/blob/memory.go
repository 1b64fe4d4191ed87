package blob

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Memory keeps objects in process memory: the zero-config default of the
// local server (lost on exit, like the embedded Redis).
type Memory struct {
	mu      sync.RWMutex
	objects map[string]memObject
	now     func() time.Time
}

type memObject struct {
	data []byte
	meta Object
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{objects: map[string]memObject{}, now: time.Now} }

// Put implements Store; data is copied.
func (m *Memory) Put(_ context.Context, key, contentType string, data []byte) error {
	if err := ValidKey(key); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objects[key] = memObject{data: slices.Clone(data), meta: Object{Key: key, Size: int64(len(data)), ContentType: contentType, Modified: m.now().UTC()}}
	return nil
}

// Get implements Store; the returned slice is the caller's.
func (m *Memory) Get(_ context.Context, key string) ([]byte, Object, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	o, ok := m.objects[key]
	if !ok {
		return nil, Object{}, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return slices.Clone(o.data), o.meta, nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objects[key]; !ok {
		return fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	delete(m.objects, key)
	return nil
}

// List implements Store.
func (m *Memory) List(_ context.Context, prefix string) ([]Object, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Object
	for k, o := range m.objects {
		if strings.HasPrefix(k, prefix) {
			out = append(out, o.meta)
		}
	}
	slices.SortFunc(out, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}
