package wasm

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"time"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
)

// keyPrefix is where modules live in the blob store.
const keyPrefix = "wasm/modules/"

func objectKey(id string) string { return keyPrefix + id + ".wasm" }

// ModuleInfo describes a registered module.
type ModuleInfo struct {
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Registered time.Time `json:"registered"`
	// Created is false when the same bytes were registered before.
	Created bool `json:"created"`
}

var wasmMagic = []byte{0x00, 'a', 's', 'm'}

// Register checks a module (valid WebAssembly, follows the ABI), compiles
// it (which also fills the compilation cache) and stores it under its
// sha256. Registering the same bytes again is harmless.
func (e *Engine) Register(ctx context.Context, b []byte) (ModuleInfo, error) {
	if e.opts.Store == nil {
		return ModuleInfo{}, core.Errorf(core.ErrDependency, "wasm: no module store is configured")
	}
	if len(b) > e.opts.MaxModuleBytes {
		return ModuleInfo{}, core.Errorf(core.ErrPayloadTooLarge, "the module is %d bytes, limit %d", len(b), e.opts.MaxModuleBytes)
	}
	if !bytes.HasPrefix(b, wasmMagic) {
		return ModuleInfo{}, core.Errorf(core.ErrValidation, "not a WebAssembly binary (it must start with \\0asm)")
	}
	id := Sum(b)
	if info, err := e.Info(ctx, id); err == nil {
		return info, nil
	}
	m, err := e.compile(ctx, id, b)
	if err != nil {
		return ModuleInfo{}, err
	}
	if err := e.opts.Store.Put(ctx, objectKey(id), "application/wasm", b); err != nil {
		m.close(ctx)
		return ModuleInfo{}, core.Wrap(core.ErrDependency, err, "wasm: store module")
	}
	e.mu.Lock()
	if _, ok := e.modules[id]; !ok && !e.closed {
		e.modules[id] = m
		e.touch(id)
		e.evict(ctx)
		m = nil
	}
	e.mu.Unlock()
	if m != nil {
		m.close(ctx)
	}
	info, err := e.Info(ctx, id)
	info.Created = true
	return info, err
}

// Info describes one registered module.
func (e *Engine) Info(ctx context.Context, id string) (ModuleInfo, error) {
	if e.opts.Store == nil {
		return ModuleInfo{}, core.Errorf(core.ErrDependency, "wasm: no module store is configured")
	}
	objs, err := e.opts.Store.List(ctx, objectKey(id))
	if err != nil {
		return ModuleInfo{}, core.Wrap(core.ErrDependency, err, "wasm: list modules")
	}
	for _, o := range objs {
		if o.Key == objectKey(id) {
			return infoOf(o), nil
		}
	}
	return ModuleInfo{}, core.Errorf(core.ErrNotFound, "wasm module %s is not registered", short(id))
}

func infoOf(o blob.Object) ModuleInfo {
	id := strings.TrimSuffix(strings.TrimPrefix(o.Key, keyPrefix), ".wasm")
	return ModuleInfo{SHA256: id, Size: o.Size, Registered: o.Modified}
}

// List returns every registered module.
func (e *Engine) List(ctx context.Context) ([]ModuleInfo, error) {
	if e.opts.Store == nil {
		return nil, core.Errorf(core.ErrDependency, "wasm: no module store is configured")
	}
	objs, err := e.opts.Store.List(ctx, keyPrefix)
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "wasm: list modules")
	}
	out := make([]ModuleInfo, 0, len(objs))
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".wasm") {
			out = append(out, infoOf(o))
		}
	}
	return out, nil
}

// Delete removes a module from the store and from this engine.
func (e *Engine) Delete(ctx context.Context, id string) error {
	if e.opts.Store == nil {
		return core.Errorf(core.ErrDependency, "wasm: no module store is configured")
	}
	err := e.opts.Store.Delete(ctx, objectKey(id))
	if errors.Is(err, blob.ErrNotFound) {
		return core.Errorf(core.ErrNotFound, "wasm module %s is not registered", short(id))
	}
	if err != nil {
		return core.Wrap(core.ErrDependency, err, "wasm: delete module")
	}
	e.forget(ctx, id)
	return nil
}
