package strategy

import (
	"context"
	"encoding/json"
	"regexp"
	"sync"

	"github.com/riptidecrawler/riptide/shared/core"
)

// ModuleRunner runs a registered WASM module on a page (shared/wasm.Host
// implements it). fields is the module's output; problems maps a field to
// what the module could not read.
type ModuleRunner interface {
	Run(ctx context.Context, module string, html []byte, options json.RawMessage) (fields map[string]any, problems map[string]string, err error)
}

// WASM builds the wasm strategy over runner; with a nil runner the
// strategy is declared but unavailable.
func WASM(runner ModuleRunner) Definition {
	d := Definition{
		Name:        "wasm",
		Description: "A user WebAssembly module (registered with POST /api/v1/strategies/modules) gets the page's HTML and options and returns fields (ABI: docs/wasm.md)",
		Params: []Param{
			{Name: "module", Type: "string", Required: true, Description: "sha256 (hex) of a registered module"},
			{Name: "options", Type: "object", Description: "passed to the module as JSON"},
		},
		Needs: "a WASM runtime (shared/wasm) and a module store",
	}
	if runner != nil {
		d.New = func(params json.RawMessage) (Strategy, error) {
			var p wasmParams
			if err := decodeParams(params, &p); err != nil {
				return nil, err
			}
			if !ValidModuleID(p.Module) {
				return nil, core.Errorf(core.ErrValidation, "module: the sha256 of a registered module (64 lowercase hex digits) is required")
			}
			if len(p.Options) == 0 {
				p.Options = json.RawMessage("{}")
			}
			return wasmStrategy{runner: runner, p: p}, nil
		}
	}
	return d
}

// sha256Hex with the length check in ValidModuleID is ^[0-9a-f]{64}$
// without the 64 copies a bounded repeat compiles to.
// Compiled on first use, not at every cold start.
var sha256Hex = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9a-f]+$`) })

// ValidModuleID reports whether s can be a WASM module's id: the sha256
// of its bytes in 64 lowercase hex digits.
func ValidModuleID(s string) bool { return len(s) == 64 && sha256Hex().MatchString(s) }

type wasmParams struct {
	Module  string          `json:"module"`
	Options json.RawMessage `json:"options,omitempty"`
}

type wasmStrategy struct {
	runner ModuleRunner
	p      wasmParams
}

func (s wasmStrategy) Extract(ctx context.Context, in *Input) (*Output, error) {
	fields, problems, err := s.runner.Run(ctx, s.p.Module, in.HTML, s.p.Options)
	if err != nil {
		return nil, err
	}
	out := &Output{Fields: fields}
	for f, msg := range problems {
		out.Problems = append(out.Problems, Problem{Field: f, Kind: ProblemModule, Message: msg})
	}
	return out, nil
}
