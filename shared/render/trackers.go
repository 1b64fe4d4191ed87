package render

import "strings"

// trackerHosts is a small built-in list of analytics, tag-manager and ad
// hosts. A request to one of them, or to a subdomain, is blocked when
// Block.Trackers is set. It is deliberately short: the hosts that appear on
// most pages and add most of the third-party requests.
func trackerHosts() []string {
	return []string{
		"google-analytics.com", "googletagmanager.com", "googletagservices.com", "doubleclick.net",
		"googlesyndication.com", "googleadservices.com", "adservice.google.com", "connect.facebook.net",
		"facebook.com/tr", "hotjar.com", "hotjar.io", "segment.com", "segment.io", "mixpanel.com",
		"amplitude.com", "scorecardresearch.com", "quantserve.com", "criteo.com", "criteo.net",
		"taboola.com", "outbrain.com", "adnxs.com", "ads-twitter.com", "static.ads-twitter.com",
		"clarity.ms", "bat.bing.com", "nr-data.net", "fullstory.com", "analytics.tiktok.com",
		"px.ads.linkedin.com", "snap.licdn.com", "mc.yandex.ru", "cdn.heapanalytics.com",
		"js.hs-analytics.net", "pixel.wp.com", "stats.wp.com", "amazon-adsystem.com", "moatads.com",
	}
}

// trackerMatcher matches hosts against a list of tracker domains.
type trackerMatcher struct{ hosts []string }

func newTrackerMatcher(extra []string) trackerMatcher {
	var hosts []string
	for _, h := range append(trackerHosts(), extra...) {
		// "facebook.com/tr"-style entries carry a path; the host part is
		// too broad to block on its own, so they match host and path.
		hosts = append(hosts, strings.ToLower(h))
	}
	return trackerMatcher{hosts: hosts}
}

// match reports whether host (and path, for entries that name one) is a tracker.
func (m trackerMatcher) match(host, path string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, t := range m.hosts {
		th, tp, hasPath := strings.Cut(t, "/")
		if host != th && !strings.HasSuffix(host, "."+th) {
			continue
		}
		if !hasPath || strings.HasPrefix(strings.TrimPrefix(path, "/"), tp) {
			return true
		}
	}
	return false
}

// globMatch matches s against a pattern where "*" stands for any run of
// characters, the form of Block.URLPatterns.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
