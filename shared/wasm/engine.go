// Package wasm runs user extractor modules (WebAssembly, on wazero) in a
// sandbox: no filesystem, no network, no real clock (WASI clocks are
// wazero's fake ones), a memory cap, a time limit per call, and nothing
// shared between modules. Modules are registered by upload and stored by
// the sha256 of their bytes in a blob.Store.
//
// The ABI (docs/wasm.md) is a WASI reactor: the module exports memory,
// alloc(size i32) -> ptr i32 and extract(ptr, html_len, opts_len i32) ->
// i64; the host writes the page's HTML then the JSON options at ptr, and
// extract returns (out_ptr << 32) | out_len of a JSON envelope
// {"fields": {...}, "problems": {"field": "message"}} or {"error": "..."}.
// A reactor is instantiated once and called many times (~0.2 ms per call)
// where a WASI command (stdin/stdout) must be instantiated for every call
// (8-15 ms for a Go module), so instances are pooled and reused; one that
// failed in any way is discarded.
//
// Nothing is compiled at package init or at New: the runtime is created
// on the first call and a module is compiled on its first use (from the
// on-disk compilation cache when Options.CacheDir is set: /tmp in Lambda).
package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
)

// Options configure an Engine. Zero values take the defaults.
type Options struct {
	// Store keeps the module bytes (blob.Memory locally, S3 in AWS).
	Store blob.Store
	// CacheDir holds wazero's compilation cache ("" keeps compiled code in
	// memory only). In Lambda use a folder under /tmp.
	CacheDir string
	// MemoryLimitMiB caps a module's linear memory (default 128).
	MemoryLimitMiB int
	// Timeout bounds one call, instantiation included (default 5 s); the
	// caller's context may end it sooner.
	Timeout time.Duration
	// MaxConcurrent bounds calls running at once (default 4).
	MaxConcurrent int
	// MaxIdle bounds the idle instances kept per module (default 2).
	MaxIdle int
	// MaxModules bounds the compiled modules kept in memory (default 16).
	MaxModules int
	// MaxModuleBytes bounds a module's size (default 16 MiB).
	MaxModuleBytes int
	// MaxOutputBytes bounds a module's output (default 8 MiB).
	MaxOutputBytes int
	Logger         *slog.Logger
}

// Defaults of Options.
const (
	DefaultMemoryLimitMiB = 128
	DefaultTimeout        = 5 * time.Second
	DefaultMaxConcurrent  = 4
	DefaultMaxIdle        = 2
	DefaultMaxModules     = 16
	DefaultMaxModuleBytes = 16 << 20
	DefaultMaxOutputBytes = 8 << 20
	// maxCallsPerInstance recycles instances now and then, so a module
	// that leaks memory slowly cannot grow forever.
	maxCallsPerInstance = 10_000
)

// Engine runs registered modules. It is safe for concurrent use.
type Engine struct {
	opts Options
	log  *slog.Logger
	sem  chan struct{}

	rtOnce sync.Once
	rt     wazero.Runtime
	rtErr  error

	mu      sync.Mutex
	modules map[string]*module // by sha256
	loading map[string]*loadCall
	order   []string // least recently used first
	closed  bool
}

type loadCall struct {
	done chan struct{}
	m    *module
	err  error
}

// New returns an engine; nothing is compiled or allocated until the first
// call.
func New(opts Options) *Engine {
	if opts.MemoryLimitMiB <= 0 {
		opts.MemoryLimitMiB = DefaultMemoryLimitMiB
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = DefaultMaxConcurrent
	}
	if opts.MaxIdle <= 0 {
		opts.MaxIdle = DefaultMaxIdle
	}
	if opts.MaxModules <= 0 {
		opts.MaxModules = DefaultMaxModules
	}
	if opts.MaxModuleBytes <= 0 {
		opts.MaxModuleBytes = DefaultMaxModuleBytes
	}
	if opts.MaxOutputBytes <= 0 {
		opts.MaxOutputBytes = DefaultMaxOutputBytes
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Engine{opts: opts, log: log, sem: make(chan struct{}, opts.MaxConcurrent),
		modules: map[string]*module{}, loading: map[string]*loadCall{}}
}

// runtime creates the wazero runtime on first use.
func (e *Engine) runtime(ctx context.Context) (wazero.Runtime, error) {
	e.rtOnce.Do(func() {
		cfg := wazero.NewRuntimeConfig().
			WithMemoryLimitPages(uint32(e.opts.MemoryLimitMiB) * 16). // 64 KiB pages
			WithCloseOnContextDone(true)
		if e.opts.CacheDir != "" {
			if err := os.MkdirAll(e.opts.CacheDir, 0o700); err != nil {
				e.rtErr = core.Wrap(core.ErrDependency, err, "wasm: compilation cache dir")
				return
			}
			cache, err := wazero.NewCompilationCacheWithDir(e.opts.CacheDir)
			if err != nil {
				e.rtErr = core.Wrap(core.ErrDependency, err, "wasm: compilation cache")
				return
			}
			cfg = cfg.WithCompilationCache(cache)
		}
		// The runtime outlives any request: it must not be tied to ctx.
		rt := wazero.NewRuntimeWithConfig(context.WithoutCancel(ctx), cfg)
		if _, err := wasi_snapshot_preview1.Instantiate(context.WithoutCancel(ctx), rt); err != nil {
			e.rtErr = core.Wrap(core.ErrInternal, err, "wasm: WASI")
			return
		}
		e.rt = rt
	})
	return e.rt, e.rtErr
}

// Close releases every compiled module and instance.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	e.closed = true
	mods := e.modules
	e.modules = map[string]*module{}
	e.mu.Unlock()
	for _, m := range mods {
		m.close(ctx)
	}
	if e.rt != nil {
		return e.rt.Close(ctx)
	}
	return nil
}

// Sum is the module id: the hex sha256 of its bytes.
func Sum(wasm []byte) string {
	s := sha256.Sum256(wasm)
	return hex.EncodeToString(s[:])
}

// Run calls module on html with options (a JSON object) and returns its
// fields and per-field problems. It implements strategy.ModuleRunner.
func (e *Engine) Run(ctx context.Context, id string, html []byte, options json.RawMessage) (map[string]any, map[string]string, error) {
	if len(options) == 0 {
		options = json.RawMessage("{}")
	}
	ctx, cancel := context.WithTimeout(ctx, e.opts.Timeout)
	defer cancel()
	select {
	case e.sem <- struct{}{}:
		defer func() { <-e.sem }()
	case <-ctx.Done():
		return nil, nil, e.ctxError(ctx, id, "waiting for a free WASM slot")
	}
	m, err := e.module(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	inst, err := m.acquire(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	out, err := inst.call(ctx, e, html, options)
	if err != nil {
		inst.close(ctx)
		return nil, nil, e.callError(ctx, id, inst, err)
	}
	m.release(ctx, inst, e)
	return decodeEnvelope(out, id)
}

// envelope is the module's output (docs/wasm.md).
type envelope struct {
	Fields   map[string]any    `json:"fields"`
	Problems map[string]string `json:"problems"`
	Error    *string           `json:"error"`
}

func decodeEnvelope(out []byte, id string) (map[string]any, map[string]string, error) {
	var env envelope
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&env); err != nil {
		return nil, nil, core.Errorf(core.ErrExtraction, "wasm module %s: output is not the ABI's JSON envelope ({\"fields\":{...}} or {\"error\":\"...\"}): %v", short(id), err)
	}
	if env.Error != nil {
		return nil, nil, core.Errorf(core.ErrExtraction, "wasm module %s reported: %s", short(id), truncate(*env.Error, 500))
	}
	if env.Fields == nil {
		env.Fields = map[string]any{}
	}
	return env.Fields, env.Problems, nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (e *Engine) ctxError(ctx context.Context, id, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return core.Errorf(core.ErrTimeout, "wasm module %s: time limit reached %s", short(id), what)
	}
	return core.Wrap(core.ErrTimeout, ctx.Err(), "wasm module "+short(id)+": cancelled "+what)
}

// callError explains a failed call: time limit, memory cap, trap or exit.
func (e *Engine) callError(ctx context.Context, id string, inst *instance, err error) error {
	var exit *sys.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case sys.ExitCodeDeadlineExceeded:
			return core.Errorf(core.ErrTimeout, "wasm module %s: stopped at the time limit (%s per call)", short(id), e.opts.Timeout)
		case sys.ExitCodeContextCanceled:
			return core.Errorf(core.ErrTimeout, "wasm module %s: cancelled", short(id))
		}
	}
	if ctx.Err() != nil {
		return e.ctxError(ctx, id, "while running")
	}
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce
	}
	stderr := inst.stderr.String()
	if inst.memoryFull(e) || bytes.Contains([]byte(stderr), []byte("out of memory")) {
		return core.Errorf(core.ErrExtraction, "wasm module %s: exceeded its memory limit of %d MiB", short(id), e.opts.MemoryLimitMiB)
	}
	msg := err.Error()
	if exit != nil {
		msg = fmt.Sprintf("exited with code %d", exit.ExitCode())
	}
	if stderr != "" {
		msg += "; stderr: " + truncate(stderr, 500)
	}
	return core.Errorf(core.ErrExtraction, "wasm module %s failed: %s", short(id), msg)
}

// limitedBuffer keeps the first bytes a module writes to stderr (for error
// messages) and drops the rest.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

const stderrKeep = 4 << 10

func (b *limitedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := stderrKeep - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *limitedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *limitedBuffer) Reset() {
	b.mu.Lock()
	b.buf.Reset()
	b.mu.Unlock()
}

var _ io.Writer = (*limitedBuffer)(nil)
