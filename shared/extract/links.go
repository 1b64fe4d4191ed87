package extract

import (
	"net/url"
	"strings"

	"golang.org/x/net/html/atom"
)

// resolveURL makes ref absolute against base. It returns "" for refs that
// do not parse; refs stay relative when there is no base.
func resolveURL(base *url.URL, ref string) string {
	if u := resolveRef(base, ref); u != nil {
		return u.String()
	}
	return ""
}

// resolveRef parses ref and resolves it against base (nil for a ref that is
// empty or does not parse).
func resolveRef(base *url.URL, ref string) *url.URL {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return nil
	}
	u, err := url.Parse(ref)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	return u
}

// imageSource picks the URL an <img> shows, looking at the lazy-loading
// attributes that sites use when src holds a placeholder.
func imageSource(n *node) string {
	src := strings.TrimSpace(n.attr("src"))
	if src == "" || strings.HasPrefix(src, "data:") {
		for _, a := range []string{"data-src", "data-lazy-src", "data-original", "data-url", "data-srcset", "srcset"} {
			v := strings.TrimSpace(n.attr(a))
			if v == "" {
				continue
			}
			if strings.HasSuffix(a, "srcset") {
				v = firstSrcset(v)
			}
			if v != "" {
				return v
			}
		}
	}
	return src
}

func firstSrcset(v string) string {
	first, _, _ := strings.Cut(v, ",")
	f := strings.Fields(first)
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func sameSite(a, b string) bool {
	a = strings.TrimPrefix(strings.ToLower(a), "www.")
	b = strings.TrimPrefix(strings.ToLower(b), "www.")
	return a == b
}

// inside reports whether n is main or one of its descendants.
func inside(n, main *node) bool {
	for p := n; p != nil; p = p.parent {
		if p == main {
			return true
		}
	}
	return false
}

// markOutput sets out on every node of the selection that reaches the
// output, in one walk, so that links and media ask a flag instead of
// walking their ancestors.
func markOutput(sel selection) {
	var walk func(n *node)
	walk = func(n *node) {
		if !sel.keep(n) {
			return
		}
		n.out = true
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(sel.root)
}

// collectLinks returns every http(s) link of the page once, in document
// order, fragment removed. markOutput must have run.
func (t *tree) collectLinks(base *url.URL) []Link {
	var links []Link
	index := map[string]int{}
	baseHost := ""
	if base != nil {
		baseHost = base.Hostname()
	}
	for _, n := range t.nodes {
		if n.tag != atom.A && n.tag != atom.Area {
			continue
		}
		href := n.attr("href")
		if href == "" {
			continue
		}
		u := resolveRef(base, href)
		if u == nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		u.Fragment = ""
		u.RawFragment = ""
		key := u.String()
		rel := strings.Fields(strings.ToLower(n.attr("rel")))
		if i, ok := index[key]; ok {
			l := &links[i]
			if l.Text == "" {
				l.Text = linkText(n)
			}
			for _, r := range rel {
				if !contains(l.Rel, r) {
					l.Rel = append(l.Rel, r)
				}
			}
			l.InContent = l.InContent || n.out
			continue
		}
		internal := base != nil && sameSite(u.Hostname(), baseHost)
		index[key] = len(links)
		links = append(links, Link{URL: key, Text: linkText(n), Rel: rel, Internal: internal, InContent: n.out})
	}
	return links
}

// linkText is what a reader sees of a link: its text, else its title or
// ARIA label.
func linkText(n *node) string {
	text := textOf(n)
	if text == "" {
		text = strings.TrimSpace(n.attr("title"))
	}
	if text == "" {
		text = strings.TrimSpace(n.attr("aria-label"))
	}
	return truncateRunes(text, 300)
}

// collectMedia returns images, videos and audio of the page once each.
func (t *tree) collectMedia(base *url.URL) []Media {
	var media []Media
	seen := map[string]bool{}
	add := func(kind, src, alt string, n *node) {
		abs := resolveURL(base, src)
		if abs == "" || strings.HasPrefix(abs, "data:") || seen[abs] {
			return
		}
		seen[abs] = true
		media = append(media, Media{Type: kind, URL: abs, Alt: alt, Caption: figureCaption(n), InContent: n.out})
	}
	for _, n := range t.nodes {
		switch n.tag {
		case atom.Img:
			if inDropped(n, atom.Noscript) {
				continue // the lazy-loading twin of an <img> that is also outside
			}
			add("image", imageSource(n), strings.TrimSpace(n.attr("alt")), n)
		case atom.Video, atom.Audio:
			kind := "video"
			if n.tag == atom.Audio {
				kind = "audio"
			}
			if src := n.attr("src"); src != "" {
				add(kind, src, strings.TrimSpace(n.attr("title")), n)
			}
			for _, k := range n.kids {
				if k.tag == atom.Source {
					if src := k.attr("src"); src != "" {
						add(kind, src, strings.TrimSpace(n.attr("title")), n)
					}
				}
			}
		}
	}
	return media
}

func inDropped(n *node, tag atom.Atom) bool {
	for p := n.parent; p != nil; p = p.parent {
		if p.tag == tag {
			return true
		}
	}
	return false
}

func figureCaption(n *node) string {
	for p := n.parent; p != nil && p.tag != atom.Body; p = p.parent {
		if p.tag == atom.Figure {
			for _, k := range p.kids {
				if k.tag == atom.Figcaption {
					return truncateRunes(strings.TrimSpace(collapseSpace(rawTextOf(k.h))), 500)
				}
			}
			return ""
		}
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
