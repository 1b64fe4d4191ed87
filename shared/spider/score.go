package spider

import (
	"net/url"
	"strings"
)

// Scorer rates a discovered link for the best_first strategy: higher is
// crawled sooner. Values are clamped to [0, 1].
type Scorer interface {
	Score(link Link, depth int) float64
}

// KeywordScorer is the default best_first scorer: keyword hits in the
// anchor text weigh most, hits in the URL path next, and each level of
// depth (link hops and path segments) costs a little, so relevant pages
// near the seeds come first.
type KeywordScorer struct {
	Keywords []string
}

// Score implements Scorer.
func (k KeywordScorer) Score(link Link, depth int) float64 {
	text := strings.ToLower(link.Text)
	path := strings.ToLower(link.URL)
	if u, err := url.Parse(link.URL); err == nil {
		path = strings.ToLower(u.Path + " " + u.RawQuery)
	}
	var hits float64
	for _, kw := range k.Keywords {
		kw = strings.ToLower(strings.TrimSpace(kw))
		if kw == "" {
			continue
		}
		if strings.Contains(text, kw) {
			hits += 1.0
		}
		if strings.Contains(path, kw) {
			hits += 0.6
		}
	}
	relevance := 0.0
	if n := len(k.Keywords); n > 0 {
		relevance = hits / (1.6 * float64(n))
	}
	segments := strings.Count(strings.Trim(path, "/ "), "/")
	penalty := 0.05*float64(depth) + 0.02*float64(segments)
	return clamp01(0.2 + 0.8*relevance - penalty)
}

func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}
