package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags are the elements that start a new paragraph of text. Unknown
// (custom) elements are treated as blocks too: splitting a paragraph in two
// costs less than gluing two paragraphs together. Images and pictures are
// not blocks.
//
// This package's tag and word sets are switch functions, not maps: static
// code instead of maps built at package init on every cold start of every
// function that links extract, and faster to look up. Those asked about
// class names take the []byte: switch string(k) does not allocate, where
// a string argument converted at the call would for names over 32 bytes.
func blockTags(k atom.Atom) bool {
	switch k {
	case
		atom.Html, atom.Body, atom.Address, atom.Article, atom.Aside,
		atom.Blockquote, atom.Center, atom.Dd, atom.Details, atom.Dialog,
		atom.Dir, atom.Div, atom.Dl, atom.Dt, atom.Fieldset,
		atom.Figcaption, atom.Figure, atom.Footer, atom.Form, atom.H1,
		atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Header,
		atom.Hgroup, atom.Hr, atom.Li, atom.Main, atom.Menu, atom.Nav,
		atom.Ol, atom.P, atom.Pre, atom.Section, atom.Summary,
		atom.Table, atom.Tbody, atom.Td, atom.Tfoot, atom.Th,
		atom.Thead, atom.Tr, atom.Ul, atom.Caption, atom.Legend,
		atom.Br, atom.Video, atom.Audio:
		return true
	}
	return false
}

// dropTags never hold main content.
func dropTags(k atom.Atom) bool {
	switch k {
	case
		atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg,
		atom.Math, atom.Iframe, atom.Object, atom.Embed, atom.Canvas,
		atom.Input, atom.Select, atom.Textarea, atom.Button, atom.Option,
		atom.Nav, atom.Aside, atom.Footer, atom.Dialog, atom.Menu,
		atom.Head, atom.Title, atom.Meta, atom.Link, atom.Base,
		atom.Label, atom.Map, atom.Area, atom.Frameset, atom.Frame,
		atom.Applet, atom.Datalist, atom.Output, atom.Progress, atom.Meter,
		// Raw text elements whose text is markup for browsers without frames
		// or plugins, never prose.
		atom.Noframes, atom.Noembed:
		return true
	}
	return false
}

// boilerRoles are ARIA landmark roles of page furniture.
func boilerRoles(k string) bool {
	switch k {
	case
		"navigation", "banner", "contentinfo", "complementary",
		"search", "menu", "menubar", "dialog", "alertdialog",
		"toolbar", "tooltip":
		return true
	}
	return false
}

// boilerWords are class/id names, or parts of them between '-' and '_',
// that mark page furniture. Matching whole words (not substrings) keeps
// "header" from matching "ad" and "thread" from matching "read". "more",
// "print", "breaking" and "header" are deliberately not among them.
func boilerWords(k []byte) bool {
	switch string(k) {
	case
		"footer", "sidebar", "aside",
		"comment", "comments", "commentlist", "disqus", "respond",
		"reply", "replies",
		"share", "sharing", "shares", "sharer", "social", "sociable",
		"socials", "addthis", "sharethis", "shariff",
		"related", "relatedposts", "recommended", "recommendations",
		"popular", "trending", "mostread",
		"newsletter", "subscribe", "subscription", "signup", "login",
		"cookie", "cookies", "consent", "gdpr",
		"nav", "navbar", "navigation", "menu", "submenu", "subnav",
		"breadcrumb", "breadcrumbs", "pagination", "pager",
		"banner", "masthead",
		"ad", "ads", "advert", "adverts", "advertisement", "advertising",
		"adsense", "dfp", "sponsor", "sponsored", "promo", "promotion",
		"outbrain", "taboola", "criteo",
		"popup", "modal", "overlay", "lightbox",
		"tags", "tagcloud", "tag", "categories",
		"toolbar", "tools", "skip",
		"author", "byline", "bio", "authorbox",
		"meta", "metadata", "postmeta", "entrymeta", "timestamp",
		"rating", "ratings", "ticker",
		"noprint",
		"screenreader", "visuallyhidden",
		"sitemap", "copyright", "legal",
		"paywall", "premium", "donate", "donation":
		return true
	}
	return false
}

// boilerSubstrings catch furniture words glued into longer class names
// ("relatedPosts", "leftsidebar").
var boilerSubstrings = []string{
	"sidebar", "footer", "comment", "related", "breadcrumb", "newsletter", "social",
	"share", "cookie", "advert", "navigation", "navbar", "outbrain", "taboola", "subscribe",
	"sponsor", "popup", "disqus",
}

// boilerSubstringsByFirst indexes boilerSubstrings by their first byte, so
// that a class name is scanned once instead of once per substring.
var boilerSubstringsByFirst = func() (idx [256][]string) {
	for _, s := range boilerSubstrings {
		idx[s[0]] = append(idx[s[0]], s)
	}
	return idx
}()

func hasBoilerSubstring(name []byte) bool {
	for i := range name {
		for _, s := range boilerSubstringsByFirst[name[i]] {
			if len(name)-i >= len(s) && string(name[i:i+len(s)]) == s {
				return true
			}
		}
	}
	return false
}

// exactClasses are whole class names of furniture and of elements hidden on every screen
// size (Bootstrap's "hidden-xs" only hides on small screens, so parts of
// names do not count here). Bootstrap's "d-none" is deliberately not one.
func exactClasses(k []byte) bool {
	switch string(k) {
	case
		// Page builders (Elementor, WPBakery) call every block a widget, so
		// only these whole names mark furniture.
		"widgets", "widget-area", "widget_text", "sidebar-widget",
		// Captions and photo credits set apart from the figure (figcaption is
		// dropped by tag). "caption" alone is also a type size in design
		// systems ("caption-s"), so only these names count.
		"wp-caption-text", "image-caption", "img-caption", "photo-caption",
		"caption-text", "media-caption", "figure-caption", "credit",
		"credits", "photo-credit", "image-credit", "img-credit",
		"hidden", "hide", "sr-only", "visually-hidden",
		"screen-reader-text", "screen-reader-only", "invisible", "is-hidden":
		return true
	}
	return false
}

// contentWords are class/id names that mark the article body; they win over
// furniture words on the same element ("post-content comments-open").
func contentWords(k []byte) bool {
	switch string(k) {
	case
		"entry-content", "post-content", "post-body", "post-text",
		"article-body", "article-content", "article-text", "articlebody",
		"articletext", "articlecontent", "story-body", "story-content",
		"storycontent", "entry-body", "post-entry", "postcontent",
		"main-content", "maincontent", "content-body", "body-text",
		"hentry", "h-entry", "entry", "post", "article",
		"content", "main", "story", "text", "blog-post",
		"single-post", "post-single", "page-content", "text-content",
		"field-body", "fulltext", "rich-text", "richtext", "prose":
		return true
	}
	return false
}

// bodyWords name the element that holds the article text itself (not the
// page region around it).
func bodyWords(k []byte) bool {
	switch string(k) {
	case
		"entry-content", "post-content", "post-body", "post-text",
		"article-body", "article-content", "article-text", "articlebody",
		"articletext", "articlecontent", "story-body", "story-content",
		"storycontent", "entry-body", "post-entry", "postcontent",
		"article--body", "article--content", "c-article-body", "postentry",
		"post-inner", "body-text", "field-name-body", "node-body", "news-text",
		"article-text-body", "td-post-content", "single-content", "blog-content",
		"mw-parser-output": // MediaWiki (Wikipedia, Fandom) article text
		return true
	}
	return false
}

// classify sets the drop, boiler, strong and block flags of every element.
// It runs before measure so that dropped text is never counted.
func (t *tree) classify() {
	for _, n := range t.nodes {
		if n.h.Type != html.ElementNode {
			if n.isText() && n.parent != nil && n.parent.tag == atom.Noscript && looksLikeMarkup(n.text) {
				n.drop = true
			}
			continue
		}
		if n.tag == 0 {
			n.block = true
		} else {
			n.block = blockTags(n.tag)
		}
		if n.tag == atom.Noscript {
			// Tracking pixels, "enable JavaScript" notices and lazy-image
			// twins are dropped; a noscript holding real text is the page
			// as served without scripts (forum software renders whole
			// threads there) and is read like any other container.
			if noscriptText(n) < noscriptContent {
				n.drop = true
				continue
			}
		} else if dropTags(n.tag) || isHidden(n) {
			n.drop = true
			continue
		}
		if n.tag == atom.Figcaption {
			// Captions and photo credits read as boilerplate between
			// paragraphs; they are reported with their image in media[].
			n.drop = true
			continue
		}
		if n.tag == atom.Form && isSearchOrLoginForm(n) {
			n.drop = true
			continue
		}
		if ip := n.attr("itemprop"); ip == "articleBody" || ip == "text" {
			n.strong = true
			n.articleBody = true
		}
		if role := strings.ToLower(n.attr("role")); role != "" {
			if boilerRoles(role) {
				n.boiler = true
			}
			if role == "main" || role == "article" {
				n.strong = true
			}
		}
		neg, pos, body := classWords(n.attr("class"))
		negID, posID, bodyID := classWords(n.attr("id"))
		if pos || posID {
			n.strong = true
		}
		if (body || bodyID) && n.tag != atom.Body && n.tag != atom.Html {
			n.articleBody = true
		}
		if (neg || negID) && !n.strong && n.block {
			switch n.tag {
			case atom.Article, atom.Main, atom.Body, atom.Html:
			default:
				n.boiler = true
			}
		}
	}
}

// noscriptContent is the text (bytes) from which a <noscript> counts as
// content: more than any "please enable JavaScript" notice.
const noscriptContent = 200

// noscriptText counts the text bytes a <noscript> would show, leaving out
// scripts and styles and text that is escaped markup.
func noscriptText(n *node) int {
	sum := 0
	var walk func(n *node)
	walk = func(n *node) {
		if n.isText() {
			if !looksLikeMarkup(n.text) {
				sum += len(strings.TrimSpace(n.text))
			}
			return
		}
		switch n.tag {
		case atom.Script, atom.Style, atom.Template:
			return
		}
		for _, k := range n.kids {
			if sum >= noscriptContent {
				return
			}
			walk(k)
		}
	}
	walk(n)
	return sum
}

// looksLikeMarkup reports text that is an HTML tag written out: inside
// <noscript> that is a tracking pixel or an iframe escaped by the site
// ("&lt;img height=1 ...&gt;"), which must never reach the text.
func looksLikeMarkup(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 3 || s[0] != '<' || s[len(s)-1] != '>' {
		return false
	}
	c := s[1]
	if c == '/' || c == '!' {
		return true
	}
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// unflagWrappers clears the boiler flag of elements that wrap the article:
// a class like "main-wrapper with-sidebar" names a layout, not furniture,
// when the element holds an <article>, a <main>, an <h1> or an element that
// names itself the article body.
func (t *tree) unflagWrappers() {
	var walk func(n *node) bool
	walk = func(n *node) bool {
		if n.isText() || n.drop {
			return false
		}
		has := false
		for _, k := range n.kids {
			if walk(k) {
				has = true
			}
		}
		if has && n.boiler {
			n.boiler = false
		}
		switch n.tag {
		case atom.Article, atom.Main, atom.H1:
			return true
		}
		return has || n.strong
	}
	walk(t.root)
}

// unflagProse clears the boiler flag of elements that hold most of the
// page's prose: a class word like "advertorial" or "share" on the element
// that wraps the whole article is a styling hook, not a verdict. Comment
// sections are exempt, since a long discussion is prose too.
func (t *tree) unflagProse() {
	total := 0
	for _, n := range t.nodes {
		if isProseBlock(n) && !n.drop {
			total += n.ownLen
		}
	}
	if total == 0 {
		return
	}
	var walk func(n *node) int
	walk = func(n *node) int {
		if n.isText() || n.drop {
			return 0
		}
		sum := 0
		if isProseBlock(n) {
			sum = n.ownLen
		}
		if n.block && n.ownLen >= 20 && n.ownLinkLen*10 < n.ownLen*3 {
			n.plain = n.ownLen
		}
		for _, k := range n.kids {
			sum += walk(k)
			if !k.isText() && !k.drop {
				n.plain += k.plain
			}
		}
		if n.boiler && sum >= 500 && 2*sum >= total && !commentish(n) {
			n.boiler = false
		}
		return sum
	}
	walk(t.root)
}

func commentish(n *node) bool {
	v := strings.ToLower(n.attr("class") + " " + n.attr("id"))
	for _, w := range []string{"comment", "disqus", "repl", "related", "recommend", "newsletter", "footer", "popular", "trending"} {
		if strings.Contains(v, w) {
			return true
		}
	}
	return false
}

// classWords reports whether a class or id attribute names furniture (neg),
// the article or its region (pos) or the article body itself (body). It
// runs on every element, so it does not allocate: each name is lower-cased
// (and '_' read as '-') into a stack buffer, and map lookups with a
// converted byte slice do not copy.
func classWords(v string) (neg, pos, body bool) {
	var buf [64]byte
	for i := 0; i < len(v); {
		for i < len(v) && isClassSpace(v[i]) {
			i++
		}
		j := i
		for j < len(v) && !isClassSpace(v[j]) {
			j++
		}
		if j == i {
			break
		}
		raw := v[i:j]
		i = j
		if len(raw) > len(buf) {
			continue // generated names this long carry no meaning
		}
		name := buf[:len(raw)]
		for k := 0; k < len(raw); k++ {
			c := raw[k]
			switch {
			case c >= 'A' && c <= 'Z':
				c += 'a' - 'A'
			case c == '_':
				c = '-'
			}
			name[k] = c
		}
		if bodyWords(name) {
			body = true
		}
		// A BEM modifier ("section--ads") describes a variant of the block,
		// not what the block is.
		if k := bytes.Index(name, []byte("--")); k > 0 {
			name = name[:k]
		}
		if exactClasses(name) {
			neg = true
			continue
		}
		if contentWords(name) {
			pos = true
			continue
		}
		if neg {
			continue
		}
		if boilerWords(name) {
			neg = true
			continue
		}
		start := 0
		for k := 0; k <= len(name); k++ {
			if k == len(name) || name[k] == '-' {
				if k > start && boilerWords(name[start:k]) {
					neg = true
					break
				}
				start = k + 1
			}
		}
		if neg {
			continue
		}
		if hasBoilerSubstring(name) {
			neg = true
		}
	}
	return neg, pos, body
}

func isClassSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

func isHidden(n *node) bool {
	if n.hasAttr("hidden") {
		// React's streaming server rendering sends each deferred part of
		// the page as <div hidden id="S:n">, which a script moves into its
		// placeholder at once: it is visible content, not hidden.
		return !strings.HasPrefix(n.attr("id"), "S:")
	}
	if v := n.attr("aria-hidden"); v == "true" {
		return true
	}
	if style := n.attr("style"); style != "" {
		return styleHides(style)
	}
	return false
}

// styleHides reports an inline style with display:none or
// visibility:hidden, in any case and spacing, without allocating.
func styleHides(s string) bool {
	return styleHas(s, "display", "none") || styleHas(s, "visibility", "hidden")
}

func styleHas(s, prop, value string) bool {
	for i := 0; i+len(prop) <= len(s); i++ {
		if !strings.EqualFold(s[i:i+len(prop)], prop) {
			continue
		}
		j := i + len(prop)
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j >= len(s) || s[j] != ':' {
			continue
		}
		j++
		for j < len(s) && s[j] == ' ' {
			j++
		}
		if j+len(value) <= len(s) && strings.EqualFold(s[j:j+len(value)], value) {
			return true
		}
	}
	return false
}

func isSearchOrLoginForm(n *node) bool {
	if strings.EqualFold(n.attr("role"), "search") {
		return true
	}
	v := strings.ToLower(n.attr("action") + " " + n.attr("class") + " " + n.attr("id"))
	for _, w := range []string{"search", "login", "signin", "sign-in", "subscribe", "newsletter", "comment"} {
		if strings.Contains(v, w) {
			return true
		}
	}
	return false
}
