package strategy

import (
	"slices"
	"sync"
)

// Registry holds the strategies a deployment offers. It is filled at
// wiring time (Builtins, then Register for strategies living elsewhere)
// and read concurrently afterwards.
type Registry struct {
	mu   sync.RWMutex
	defs map[string]Definition
	// order keeps the catalogue in registration order.
	order []string
}

// NewRegistry returns a registry holding defs.
func NewRegistry(defs ...Definition) *Registry {
	r := &Registry{defs: map[string]Definition{}}
	for _, d := range defs {
		r.Register(d)
	}
	return r
}

// Register adds d, or replaces the definition of the same name (a declared
// strategy becomes available when its implementation is registered).
func (r *Registry) Register(d Definition) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.defs[d.Name]; !ok {
		r.order = append(r.order, d.Name)
	}
	r.defs[d.Name] = d
}

// Lookup returns the definition called name.
func (r *Registry) Lookup(name string) (Definition, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	d, ok := r.defs[name]
	return d, ok
}

// Names returns the registered names in registration order.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.order)
}

// Info is a strategy as GET /api/v1/strategies/info lists it.
type Info struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Available   bool    `json:"available"`
	Needs       string  `json:"needs,omitempty"`
	Params      []Param `json:"params"`
}

// Catalog lists every strategy, available or only declared.
func (r *Registry) Catalog() []Info {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Info, 0, len(r.order))
	for _, n := range r.order {
		d := r.defs[n]
		params := d.Params
		if params == nil {
			params = []Param{}
		}
		info := Info{Name: d.Name, Description: d.Description, Available: d.New != nil, Params: params}
		if d.New == nil {
			info.Needs = d.Needs
		}
		out = append(out, info)
	}
	return out
}
