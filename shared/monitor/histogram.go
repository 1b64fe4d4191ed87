package monitor

import (
	"math"
	"slices"
	"time"
)

// Latencies are kept as histograms with logarithmic buckets: bucket 0
// holds everything under histogramBase, bucket i >= 1 holds
// [base·g^(i-1), base·g^i) with g = 1.1. Counts of the same bucket add up
// across instances and minutes (a Redis HINCRBY), and a percentile read
// from the merged counts is within 10 % of the true value: the relative
// accuracy of the bucket width, whatever the latency range.
const (
	histogramBase   = 100 * time.Microsecond
	histogramGrowth = 1.1
	// histogramMaxBucket caps the index: base·1.1^200 is about 5.3 hours.
	histogramMaxBucket = 200
)

var logGrowth = math.Log(histogramGrowth)

// BucketOf returns the histogram bucket of a duration.
func BucketOf(d time.Duration) int {
	if d < histogramBase {
		return 0
	}
	i := 1 + int(math.Floor(math.Log(float64(d)/float64(histogramBase))/logGrowth))
	return min(i, histogramMaxBucket)
}

// bucketBounds returns the [lower, upper) durations of bucket i.
func bucketBounds(i int) (float64, float64) {
	if i <= 0 {
		return 0, float64(histogramBase)
	}
	lo := float64(histogramBase) * math.Pow(histogramGrowth, float64(i-1))
	return lo, lo * histogramGrowth
}

// Histogram counts durations per bucket, with their exact sum.
type Histogram struct {
	Buckets map[int]int64
	Count   int64
	// SumMicros is the sum of the recorded durations in microseconds.
	SumMicros int64
}

// Observe adds one duration.
func (h *Histogram) Observe(d time.Duration) {
	if h.Buckets == nil {
		h.Buckets = map[int]int64{}
	}
	h.Buckets[BucketOf(d)]++
	h.Count++
	h.SumMicros += d.Microseconds()
}

// Merge adds o's counts.
func (h *Histogram) Merge(o *Histogram) {
	if o == nil {
		return
	}
	if h.Buckets == nil {
		h.Buckets = map[int]int64{}
	}
	for b, n := range o.Buckets {
		h.Buckets[b] += n
	}
	h.Count += o.Count
	h.SumMicros += o.SumMicros
}

// Mean returns the average duration (0 when empty).
func (h *Histogram) Mean() time.Duration {
	if h == nil || h.Count == 0 {
		return 0
	}
	return time.Duration(h.SumMicros/h.Count) * time.Microsecond
}

// Quantile returns the q-quantile (0 < q <= 1), interpolated linearly
// inside its bucket; 0 when empty.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h == nil || h.Count == 0 {
		return 0
	}
	total := int64(0)
	for _, n := range h.Buckets {
		total += n
	}
	if total == 0 {
		return 0
	}
	idx := make([]int, 0, len(h.Buckets))
	for b := range h.Buckets {
		idx = append(idx, b)
	}
	slices.Sort(idx)
	// The rank of the q-quantile among total values, 1-based.
	rank := math.Max(1, math.Ceil(q*float64(total)))
	seen := int64(0)
	for _, b := range idx {
		n := h.Buckets[b]
		if n <= 0 {
			continue
		}
		if float64(seen+n) >= rank {
			lo, hi := bucketBounds(b)
			// Spread the bucket's n values evenly over it: the k-th of
			// them sits at lo + (k - 0.5)/n of the width.
			k := rank - float64(seen)
			return time.Duration(lo + (hi-lo)*(k-0.5)/float64(n))
		}
		seen += n
	}
	lo, hi := bucketBounds(idx[len(idx)-1])
	return time.Duration((lo + hi) / 2)
}

// Millis converts a duration to fractional milliseconds, rounded to
// microseconds (what JSON answers carry).
func Millis(d time.Duration) float64 {
	return math.Round(float64(d.Microseconds())) / 1000
}
