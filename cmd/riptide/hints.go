package main

import (
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"strings"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/pipeline"
	"github.com/riptidecrawler/riptide/shared/render"
)

// chromiumHint says how to give the CLI a browser.
const chromiumHint = "Install it (apt-get install chromium-headless-shell, or chromium) or set RIPTIDE_CHROMIUM_PATH to its binary."

// chromiumProblem says why no browser was found, in the terms of the
// variables the user can set.
func chromiumProblem(configured string) string {
	if configured != "" {
		if _, err := os.Stat(configured); err != nil {
			return fmt.Sprintf("RIPTIDE_CHROMIUM_PATH=%s: %v", configured, err)
		}
		return "RIPTIDE_CHROMIUM_PATH=" + configured + " did not start"
	}
	if _, err := render.FindChromium(); err != nil {
		return err.Error()
	}
	return "Chromium is on PATH but could not be used"
}

// crawlHints turns what went wrong in a crawl into lines for stderr that
// name the setting to change: pages that needed a browser when there is
// none, and addresses the SSRF guard refused. Each hint is given once.
func crawlHints(results []pipeline.Result, canRender bool) []string {
	var hints []string
	var unrendered []string
	cidrs := map[string]bool{}
	var blocked []string
	for _, r := range results {
		if !canRender && r.OK() && r.Gate != nil && r.Gate.Decision == "headless" && r.GateDecision != "headless" {
			unrendered = append(unrendered, r.URL)
		}
		if r.Error != nil && r.Error.Type == core.ErrBlockedURL {
			if cidr := allowCIDRFor(r.URL, r.Error.Message); !cidrs[cidr] {
				cidrs[cidr] = true
				blocked = append(blocked, cidr)
			}
		}
	}
	if len(unrendered) > 0 {
		hints = append(hints, fmt.Sprintf("note: no Chromium was found, so the pages the gate sends to a headless browser were extracted "+
			"from the raw HTML, which may hold little text: %s\n%s", strings.Join(unrendered, " "), chromiumHint))
	}
	if len(blocked) > 0 {
		hints = append(hints, fmt.Sprintf("hint: the SSRF guard refuses loopback and private addresses. To crawl a server on this machine "+
			"or your network, let them through: RIPTIDE_ALLOW_CIDRS=%s", strings.Join(blocked, ",")))
	}
	return hints
}

// allowCIDRFor proposes the RIPTIDE_ALLOW_CIDRS value that admits a
// refused target: 127.0.0.0/8 for loopback, else the refused address
// itself (the guard's message names it), else the URL's host address.
func allowCIDRFor(rawURL, message string) string {
	var addr netip.Addr
	for _, word := range strings.Fields(message) {
		if a, err := netip.ParseAddr(strings.Trim(word, ",:;()[]")); err == nil {
			addr = a
			break
		}
	}
	if !addr.IsValid() {
		if u, err := url.Parse(rawURL); err == nil {
			if a, err := netip.ParseAddr(u.Hostname()); err == nil {
				addr = a
			} else if strings.EqualFold(u.Hostname(), "localhost") {
				addr = netip.MustParseAddr("127.0.0.1")
			}
		}
	}
	switch {
	case !addr.IsValid():
		return "127.0.0.0/8"
	case addr.Unmap().Is4() && addr.Unmap().IsLoopback():
		return "127.0.0.0/8"
	case addr.Is6() && addr.IsLoopback():
		return "::1/128"
	default:
		return netip.PrefixFrom(addr.Unmap(), addr.Unmap().BitLen()).String()
	}
}
