package strategy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/riptidecrawler/riptide/shared/core"
)

// MaxChain bounds the steps of a chain.
const MaxChain = 8

// Spec is what a request asks for (the API's `extraction` object): one
// strategy with its params, or a chain of steps, and an optional schema.
type Spec struct {
	Strategy string          `json:"strategy,omitempty"`
	Params   json.RawMessage `json:"params,omitempty"`
	Chain    []Step          `json:"chain,omitempty"`
	// Schema is a JSON Schema the merged data is validated against.
	Schema json.RawMessage `json:"schema,omitempty"`
}

// Step is one strategy of a chain.
type Step struct {
	Strategy string          `json:"strategy"`
	Params   json.RawMessage `json:"params,omitempty"`
}

// Steps returns the spec as a list of steps.
func (s Spec) Steps() []Step {
	if s.Strategy != "" {
		return []Step{{Strategy: s.Strategy, Params: s.Params}}
	}
	return s.Chain
}

// Plan is a compiled Spec, reusable across pages and goroutines.
type Plan struct {
	steps  []compiledStep
	schema *jsonschema.Schema
	raw    json.RawMessage
}

type compiledStep struct {
	name string
	s    Strategy
}

// Compile validates spec and builds its strategies. field is the request
// path of the spec ("extraction", "options.extraction") used in error
// messages.
func (r *Registry) Compile(spec Spec, field string) (*Plan, error) {
	bad := func(path, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		return core.Errorf(core.ErrValidation, "%s: %s", path, msg).WithDetails(core.Detail{Field: path, Message: msg})
	}
	if spec.Strategy != "" && len(spec.Chain) > 0 {
		return nil, bad(field, "give either strategy (with params) or chain, not both")
	}
	if spec.Strategy == "" && len(spec.Chain) == 0 {
		return nil, bad(field+".strategy", "required (or chain); strategies are %s", strings.Join(r.Names(), ", "))
	}
	if len(spec.Params) > 0 && spec.Strategy == "" {
		return nil, bad(field+".params", "params belong to a strategy; in a chain, each step has its own")
	}
	if len(spec.Chain) > MaxChain {
		return nil, bad(field+".chain", "at most %d steps, got %d", MaxChain, len(spec.Chain))
	}
	p := &Plan{}
	for i, st := range spec.Steps() {
		path := field
		if spec.Strategy == "" {
			path = fmt.Sprintf("%s.chain[%d]", field, i)
		}
		def, ok := r.Lookup(st.Strategy)
		if !ok {
			return nil, bad(path+".strategy", "unknown strategy %q; strategies are %s", st.Strategy, strings.Join(r.Names(), ", "))
		}
		if def.New == nil {
			return nil, core.Errorf(core.ErrNotImplemented, "%s.strategy: %q needs %s, which this deployment does not have", path, st.Strategy, def.Needs).
				WithDetails(core.Detail{Field: path + ".strategy", Message: "needs " + def.Needs})
		}
		params := st.Params
		if bytes.Equal(bytes.TrimSpace(params), []byte("null")) {
			params = nil
		}
		s, err := def.New(params)
		if err != nil {
			e := core.AsError(err)
			return nil, core.Errorf(e.Type, "%s.params: %s", path, e.Message).WithDetails(core.Detail{Field: path + ".params", Message: e.Message})
		}
		p.steps = append(p.steps, compiledStep{name: st.Strategy, s: s})
	}
	if len(spec.Schema) > 0 && !bytes.Equal(bytes.TrimSpace(spec.Schema), []byte("null")) {
		sch, err := compileSchema(spec.Schema)
		if err != nil {
			return nil, bad(field+".schema", "%s", err.Error())
		}
		p.schema, p.raw = sch, spec.Schema
	}
	return p, nil
}

// Strategies returns the names of the plan's steps in order.
func (p *Plan) Strategies() []string {
	out := make([]string, len(p.steps))
	for i, s := range p.steps {
		out[i] = s.name
	}
	return out
}

// Result is the structured data extracted from one page.
type Result struct {
	// Data is the merged fields of every step.
	Data map[string]any `json:"data"`
	// Sources names the strategy that gave each non-empty field.
	Sources map[string]string `json:"sources"`
	// Strategies reports each step of the chain.
	Strategies []StepReport `json:"strategies"`
	// Problems lists every field that could not be read, every failed
	// step and every schema violation.
	Problems []Problem `json:"problems"`
	// SchemaValid is set when a schema was given.
	SchemaValid *bool `json:"schema_valid,omitempty"`
}

// StepReport is what one step did.
type StepReport struct {
	Strategy   string `json:"strategy"`
	Fields     int    `json:"fields"` // non-empty fields it returned
	DurationMS int64  `json:"duration_ms"`
	// Error is set when the step failed as a whole.
	Error *StepError `json:"error,omitempty"`
}

// StepError is a failed step's cause, in the API's error terms.
type StepError struct {
	Type    core.ErrorType `json:"type"`
	Message string         `json:"message"`
}

// Run applies the plan to one page. It fails only when every step failed
// (with the first step's error) or the context is done.
func (p *Plan) Run(ctx context.Context, in *Input) (*Result, error) {
	res := &Result{Data: map[string]any{}, Sources: map[string]string{}, Strategies: []StepReport{}, Problems: []Problem{}}
	in.Schema = p.raw
	var firstErr error
	failed := 0
	for _, st := range p.steps {
		in.Found = res.Data
		start := time.Now()
		out, err := safeExtract(ctx, st, in)
		rep := StepReport{Strategy: st.name, DurationMS: time.Since(start).Milliseconds()}
		if err != nil {
			e := core.AsError(err)
			rep.Error = &StepError{Type: e.Type, Message: e.Message}
			res.Strategies = append(res.Strategies, rep)
			res.Problems = append(res.Problems, Problem{Strategy: st.name, Kind: ProblemStep, Message: e.Message})
			failed++
			if firstErr == nil {
				firstErr = err
			}
			if ctx.Err() != nil {
				return nil, core.Wrap(core.ErrTimeout, ctx.Err(), "extraction: "+e.Message)
			}
			continue
		}
		for k, v := range out.Fields {
			if !IsEmpty(v) {
				rep.Fields++
			}
			cur, seen := res.Data[k]
			switch {
			case !seen:
				res.Data[k] = v
			case IsEmpty(cur) && !IsEmpty(v):
				res.Data[k] = v
			default:
				continue
			}
			if !IsEmpty(v) {
				res.Sources[k] = st.name
			}
		}
		for _, pr := range out.Problems {
			if pr.Strategy == "" {
				pr.Strategy = st.name
			}
			res.Problems = append(res.Problems, pr)
		}
		res.Strategies = append(res.Strategies, rep)
	}
	if failed == len(p.steps) && firstErr != nil {
		return nil, firstErr
	}
	if p.schema != nil {
		violations := validate(p.schema, res.Data)
		ok := len(violations) == 0
		res.SchemaValid = &ok
		res.Problems = append(res.Problems, violations...)
	}
	return res, nil
}

// safeExtract runs one step; a panic in a strategy (third-party parsers
// can panic on hostile input) becomes that step's error.
func safeExtract(ctx context.Context, st compiledStep, in *Input) (out *Output, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, core.Errorf(core.ErrExtraction, "strategy %s failed on this page: %v", st.name, v)
		}
	}()
	out, err = st.s.Extract(ctx, in)
	if err == nil && out == nil {
		out = &Output{}
	}
	return out, err
}

// IsEmpty reports whether v counts as "not found" for merging: nil, "",
// and empty lists and objects.
func IsEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}
