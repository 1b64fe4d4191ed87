package ratelimit

import "fmt"

// Dimension is what a quota counts.
type Dimension int

// The dimensions a plan can meter.
const (
	Requests Dimension = iota
	URLs
	RenderSeconds
	LLMTokens
	numDimensions
)

var dimensionNames = [numDimensions]string{"requests", "urls", "render_seconds", "llm_tokens"}

// String is the dimension's name in plans, keys and headers.
func (d Dimension) String() string {
	if d < 0 || d >= numDimensions {
		return fmt.Sprintf("dimension(%d)", int(d))
	}
	return dimensionNames[d]
}

// ParseDimension returns the dimension called name.
func ParseDimension(name string) (Dimension, bool) {
	for i, n := range dimensionNames {
		if n == name {
			return Dimension(i), true
		}
	}
	return 0, false
}

// Dimensions lists every dimension, for documentation and validation.
func Dimensions() []string { return dimensionNames[:] }

// Costs are amounts per dimension (an array: no allocation per request).
type Costs [numDimensions]float64

// Zero reports whether no dimension has a cost.
func (c Costs) Zero() bool { return c == Costs{} }
