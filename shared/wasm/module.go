package wasm

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/core"
)

// module is a compiled module and its idle instances.
type module struct {
	id       string
	compiled wazero.CompiledModule
	idle     chan *instance
}

// instance is one instantiated module with its ABI exports.
type instance struct {
	mod     api.Module
	alloc   api.Function
	extract api.Function
	mem     api.Memory
	stderr  *limitedBuffer
	calls   int
}

// module returns the compiled module id, loading it from the store and
// compiling it on first use; concurrent first uses share one compilation.
func (e *Engine) module(ctx context.Context, id string) (*module, error) {
	e.mu.Lock()
	if e.closed {
		e.mu.Unlock()
		return nil, core.Errorf(core.ErrDependency, "wasm engine is closed")
	}
	if m, ok := e.modules[id]; ok {
		e.touch(id)
		e.mu.Unlock()
		return m, nil
	}
	if lc, ok := e.loading[id]; ok {
		e.mu.Unlock()
		select {
		case <-lc.done:
			return lc.m, lc.err
		case <-ctx.Done():
			return nil, e.ctxError(ctx, id, "waiting for the module to compile")
		}
	}
	lc := &loadCall{done: make(chan struct{})}
	e.loading[id] = lc
	e.mu.Unlock()

	lc.m, lc.err = e.load(ctx, id)

	e.mu.Lock()
	delete(e.loading, id)
	if lc.err == nil {
		e.modules[id] = lc.m
		e.touch(id)
		e.evict(ctx)
	}
	e.mu.Unlock()
	close(lc.done)
	return lc.m, lc.err
}

// touch marks id as most recently used; e.mu is held.
func (e *Engine) touch(id string) {
	if i := slices.Index(e.order, id); i >= 0 {
		e.order = slices.Delete(e.order, i, i+1)
	}
	e.order = append(e.order, id)
}

// evict drops the least recently used modules over the limit; e.mu is held.
func (e *Engine) evict(ctx context.Context) {
	for len(e.order) > e.opts.MaxModules {
		id := e.order[0]
		e.order = e.order[1:]
		if m, ok := e.modules[id]; ok {
			delete(e.modules, id)
			go m.close(context.WithoutCancel(ctx))
		}
	}
}

func (e *Engine) forget(ctx context.Context, id string) {
	e.mu.Lock()
	m, ok := e.modules[id]
	delete(e.modules, id)
	if i := slices.Index(e.order, id); i >= 0 {
		e.order = slices.Delete(e.order, i, i+1)
	}
	e.mu.Unlock()
	if ok {
		m.close(ctx)
	}
}

func (e *Engine) load(ctx context.Context, id string) (*module, error) {
	if e.opts.Store == nil {
		return nil, core.Errorf(core.ErrDependency, "wasm: no module store is configured")
	}
	b, _, err := e.opts.Store.Get(ctx, objectKey(id))
	if errors.Is(err, blob.ErrNotFound) {
		return nil, core.Errorf(core.ErrNotFound, "wasm module %s is not registered (POST /api/v1/strategies/modules)", short(id))
	}
	if err != nil {
		return nil, core.Wrap(core.ErrDependency, err, "wasm: read module "+short(id))
	}
	if Sum(b) != id {
		return nil, core.Errorf(core.ErrInternal, "wasm module %s: stored bytes do not match their sha256", short(id))
	}
	return e.compile(ctx, id, b)
}

// compile compiles and checks the ABI of a module.
func (e *Engine) compile(ctx context.Context, id string, b []byte) (*module, error) {
	rt, err := e.runtime(ctx)
	if err != nil {
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, b)
	if err != nil {
		return nil, core.Errorf(core.ErrValidation, "not a valid WebAssembly module: %v", err)
	}
	if err := checkABI(compiled); err != nil {
		_ = compiled.Close(ctx)
		return nil, err
	}
	return &module{id: id, compiled: compiled, idle: make(chan *instance, e.opts.MaxIdle)}, nil
}

// checkABI refuses modules the host cannot call: missing or mistyped
// exports, or imports other than WASI preview 1.
func checkABI(c wazero.CompiledModule) error {
	var problems []string
	fns := c.ExportedFunctions()
	want := map[string][2][]api.ValueType{
		"alloc":   {{api.ValueTypeI32}, {api.ValueTypeI32}},
		"extract": {{api.ValueTypeI32, api.ValueTypeI32, api.ValueTypeI32}, {api.ValueTypeI64}},
	}
	for _, name := range []string{"alloc", "extract"} {
		f, ok := fns[name]
		sig := want[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("does not export %s", name))
		case !slices.Equal(f.ParamTypes(), sig[0]) || !slices.Equal(f.ResultTypes(), sig[1]):
			problems = append(problems, fmt.Sprintf("exports %s with the wrong signature (want %s)", name, signature(sig)))
		}
	}
	if _, ok := c.ExportedMemories()["memory"]; !ok {
		problems = append(problems, "does not export its memory as \"memory\"")
	}
	for _, f := range c.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod != wasiModule {
			problems = append(problems, fmt.Sprintf("imports %s.%s; only %s is provided", mod, name, wasiModule))
			break
		}
	}
	if len(problems) > 0 {
		return core.Errorf(core.ErrValidation, "the module does not follow the RipTide WASM ABI (docs/wasm.md): %s", strings.Join(problems, "; "))
	}
	return nil
}

const wasiModule = "wasi_snapshot_preview1"

func signature(sig [2][]api.ValueType) string {
	name := func(ts []api.ValueType) string {
		var s []string
		for _, t := range ts {
			s = append(s, api.ValueTypeName(t))
		}
		return strings.Join(s, ", ")
	}
	return "(" + name(sig[0]) + ") -> " + name(sig[1])
}

func (m *module) close(ctx context.Context) {
	for {
		select {
		case inst := <-m.idle:
			inst.close(ctx)
		default:
			_ = m.compiled.Close(ctx)
			return
		}
	}
}

// acquire takes an idle instance or instantiates a new one.
func (m *module) acquire(ctx context.Context, e *Engine) (*instance, error) {
	select {
	case inst := <-m.idle:
		return inst, nil
	default:
	}
	rt, err := e.runtime(ctx)
	if err != nil {
		return nil, err
	}
	stderr := &limitedBuffer{}
	// No FS, args, env, stdin or real clock: wazero's defaults are a fake
	// clock and a deterministic random source, and WASI calls for files
	// or sockets fail without preopened descriptors.
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions("_initialize").
		WithStdout(stderr).WithStderr(stderr)
	mod, err := rt.InstantiateModule(ctx, m.compiled, cfg)
	if err != nil {
		inst := &instance{stderr: stderr}
		return nil, e.callError(ctx, m.id, inst, fmt.Errorf("instantiate: %w", err))
	}
	inst := &instance{mod: mod, alloc: mod.ExportedFunction("alloc"), extract: mod.ExportedFunction("extract"),
		mem: mod.ExportedMemory("memory"), stderr: stderr}
	return inst, nil
}

// release returns a healthy instance to the pool.
func (m *module) release(ctx context.Context, inst *instance, e *Engine) {
	inst.stderr.Reset()
	if inst.calls >= maxCallsPerInstance || inst.mem.Size() > uint32(e.opts.MemoryLimitMiB)<<20/2 {
		inst.close(ctx)
		return
	}
	select {
	case m.idle <- inst:
	default:
		inst.close(ctx)
	}
}

func (inst *instance) close(ctx context.Context) {
	if inst.mod != nil {
		_ = inst.mod.Close(context.WithoutCancel(ctx))
	}
}

// memoryFull reports whether the instance's memory reached the cap.
func (inst *instance) memoryFull(e *Engine) bool {
	if inst.mem == nil {
		return false
	}
	limit := uint64(e.opts.MemoryLimitMiB) << 20
	return uint64(inst.mem.Size())+(4<<20) >= limit
}

// call runs one extraction per the ABI.
func (inst *instance) call(ctx context.Context, e *Engine, html, options []byte) ([]byte, error) {
	inst.calls++
	n := uint64(len(html)) + uint64(len(options))
	if n > uint64(e.opts.MemoryLimitMiB)<<20 {
		return nil, core.Errorf(core.ErrPayloadTooLarge, "the page and options (%d bytes) do not fit the module's memory limit", n)
	}
	res, err := inst.alloc.Call(ctx, n)
	if err != nil {
		return nil, fmt.Errorf("alloc: %w", err)
	}
	ptr := uint32(res[0])
	if !inst.mem.Write(ptr, html) || !inst.mem.Write(ptr+uint32(len(html)), options) {
		return nil, core.Errorf(core.ErrExtraction, "the module's alloc returned %d, outside its memory", ptr)
	}
	res, err = inst.extract.Call(ctx, uint64(ptr), uint64(len(html)), uint64(len(options)))
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	outPtr, outLen := uint32(res[0]>>32), uint32(res[0])
	if int(outLen) > e.opts.MaxOutputBytes {
		return nil, core.Errorf(core.ErrExtraction, "the module's output is %d bytes, limit %d", outLen, e.opts.MaxOutputBytes)
	}
	out, ok := inst.mem.Read(outPtr, outLen)
	if !ok {
		return nil, core.Errorf(core.ErrExtraction, "the module returned output at %d+%d, outside its memory", outPtr, outLen)
	}
	// Read returns a view of guest memory: copy before the next call.
	return append([]byte(nil), out...), nil
}
