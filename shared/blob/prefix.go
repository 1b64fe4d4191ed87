package blob

import (
	"context"
	"strings"
	"time"
)

// WithPrefix returns a view of st whose keys live under prefix (for
// example "modules/"): the data classes of one process share a store
// without seeing each other's keys.
func WithPrefix(st Store, prefix string) Store {
	p := &prefixed{st: st, prefix: prefix}
	if l, ok := st.(Linker); ok {
		return &prefixedLinker{prefixed: p, l: l}
	}
	return p
}

type prefixed struct {
	st     Store
	prefix string
}

func (p *prefixed) Put(ctx context.Context, key, contentType string, data []byte) error {
	return p.st.Put(ctx, p.prefix+key, contentType, data)
}

func (p *prefixed) Get(ctx context.Context, key string) ([]byte, Object, error) {
	data, o, err := p.st.Get(ctx, p.prefix+key)
	o.Key = strings.TrimPrefix(o.Key, p.prefix)
	return data, o, err
}

func (p *prefixed) Delete(ctx context.Context, key string) error {
	return p.st.Delete(ctx, p.prefix+key)
}

func (p *prefixed) List(ctx context.Context, prefix string) ([]Object, error) {
	objs, err := p.st.List(ctx, p.prefix+prefix)
	for i := range objs {
		objs[i].Key = strings.TrimPrefix(objs[i].Key, p.prefix)
	}
	return objs, err
}

type prefixedLinker struct {
	*prefixed
	l Linker
}

func (p *prefixedLinker) DownloadLink(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return p.l.DownloadLink(ctx, p.prefix+key, ttl)
}

func (p *prefixedLinker) UploadLink(ctx context.Context, key, contentType string, ttl time.Duration) (string, error) {
	return p.l.UploadLink(ctx, p.prefix+key, contentType, ttl)
}
