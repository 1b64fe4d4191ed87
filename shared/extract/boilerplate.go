package extract

import (
	"bytes"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// blockTags are the elements that start a new paragraph of text. Unknown
// (custom) elements are treated as blocks too: splitting a paragraph in two
// costs less than gluing two paragraphs together.
var blockTags = map[atom.Atom]bool{
	atom.Html: true, atom.Body: true, atom.Address: true, atom.Article: true, atom.Aside: true,
	atom.Blockquote: true, atom.Center: true, atom.Dd: true, atom.Details: true, atom.Dialog: true,
	atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true,
	atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Li: true, atom.Main: true, atom.Menu: true, atom.Nav: true,
	atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Table: true, atom.Tbody: true, atom.Td: true, atom.Tfoot: true, atom.Th: true,
	atom.Thead: true, atom.Tr: true, atom.Ul: true, atom.Caption: true, atom.Legend: true,
	atom.Br: true, atom.Img: false, atom.Video: true, atom.Audio: true, atom.Picture: false,
}

// dropTags never hold main content.
var dropTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Math: true, atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Canvas: true,
	atom.Input: true, atom.Select: true, atom.Textarea: true, atom.Button: true, atom.Option: true,
	atom.Nav: true, atom.Aside: true, atom.Footer: true, atom.Dialog: true, atom.Menu: true,
	atom.Head: true, atom.Title: true, atom.Meta: true, atom.Link: true, atom.Base: true,
	atom.Label: true, atom.Map: true, atom.Area: true, atom.Frameset: true, atom.Frame: true,
	atom.Applet: true, atom.Datalist: true, atom.Output: true, atom.Progress: true, atom.Meter: true,
	// Raw text elements whose text is markup for browsers without frames
	// or plugins, never prose.
	atom.Noframes: true, atom.Noembed: true,
}

// boilerRoles are ARIA landmark roles of page furniture.
var boilerRoles = map[string]bool{
	"navigation": true, "banner": true, "contentinfo": true, "complementary": true,
	"search": true, "menu": true, "menubar": true, "dialog": true, "alertdialog": true,
	"toolbar": true, "tooltip": true,
}

// boilerWords are class/id names, or parts of them between '-' and '_',
// that mark page furniture. Matching whole words (not substrings) keeps
// "header" from matching "ad" and "thread" from matching "read".
var boilerWords = map[string]bool{
	"footer": true, "sidebar": true, "aside": true,
	"comment": true, "comments": true, "commentlist": true, "disqus": true, "respond": true,
	"reply": true, "replies": true,
	"share": true, "sharing": true, "shares": true, "sharer": true, "social": true, "sociable": true,
	"socials": true, "addthis": true, "sharethis": true, "shariff": true,
	"related": true, "relatedposts": true, "recommended": true, "recommendations": true,
	"popular": true, "trending": true, "mostread": true, "more": false,
	"newsletter": true, "subscribe": true, "subscription": true, "signup": true, "login": true,
	"cookie": true, "cookies": true, "consent": true, "gdpr": true,
	"nav": true, "navbar": true, "navigation": true, "menu": true, "submenu": true, "subnav": true,
	"breadcrumb": true, "breadcrumbs": true, "pagination": true, "pager": true,
	"banner": true, "masthead": true,
	"ad": true, "ads": true, "advert": true, "adverts": true, "advertisement": true, "advertising": true,
	"adsense": true, "dfp": true, "sponsor": true, "sponsored": true, "promo": true, "promotion": true,
	"outbrain": true, "taboola": true, "criteo": true,
	"popup": true, "modal": true, "overlay": true, "lightbox": true,
	"tags": true, "tagcloud": true, "tag": true, "categories": true,
	"toolbar": true, "tools": true, "print": false, "skip": true,
	"author": true, "byline": true, "bio": true, "authorbox": true,
	"meta": true, "metadata": true, "postmeta": true, "entrymeta": true, "timestamp": true,
	"rating": true, "ratings": true, "breaking": false, "ticker": true,
	"noprint":      true,
	"screenreader": true, "visuallyhidden": true,
	"header": false, "sitemap": true, "copyright": true, "legal": true,
	"paywall": true, "premium": true, "donate": true, "donation": true,
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
// names do not count here).
var exactClasses = map[string]bool{
	// Page builders (Elementor, WPBakery) call every block a widget, so
	// only these whole names mark furniture.
	"widgets": true, "widget-area": true, "widget_text": true, "sidebar-widget": true,
	// Captions and photo credits set apart from the figure (figcaption is
	// dropped by tag). "caption" alone is also a type size in design
	// systems ("caption-s"), so only these names count.
	"wp-caption-text": true, "image-caption": true, "img-caption": true, "photo-caption": true,
	"caption-text": true, "media-caption": true, "figure-caption": true, "credit": true,
	"credits": true, "photo-credit": true, "image-credit": true, "img-credit": true,

	"hidden": true, "hide": true, "d-none": false, "sr-only": true, "visually-hidden": true,
	"screen-reader-text": true, "screen-reader-only": true, "invisible": true, "is-hidden": true,
}

// contentWords are class/id names that mark the article body; they win over
// furniture words on the same element ("post-content comments-open").
var contentWords = map[string]bool{
	"entry-content": true, "post-content": true, "post-body": true, "post-text": true,
	"article-body": true, "article-content": true, "article-text": true, "articlebody": true,
	"articletext": true, "articlecontent": true, "story-body": true, "story-content": true,
	"storycontent": true, "entry-body": true, "post-entry": true, "postcontent": true,
	"main-content": true, "maincontent": true, "content-body": true, "body-text": true,
	"article--body-x": false,
	"hentry":          true, "h-entry": true, "entry": true, "post": true, "article": true,
	"content": true, "main": true, "story": true, "text": true, "blog-post": true,
	"single-post": true, "post-single": true, "page-content": true, "text-content": true,
	"field-body": true, "fulltext": true, "rich-text": true, "richtext": true, "prose": true,
}

// bodyWords name the element that holds the article text itself (not the
// page region around it).
var bodyWords = map[string]bool{
	"entry-content": true, "post-content": true, "post-body": true, "post-text": true,
	"article-body": true, "article-content": true, "article-text": true, "articlebody": true,
	"articletext": true, "articlecontent": true, "story-body": true, "story-content": true,
	"storycontent": true, "entry-body": true, "post-entry": true, "postcontent": true,
	"article--body": true, "article--content": true, "c-article-body": true, "postentry": true,
	"post-inner": true, "body-text": true, "field-name-body": true, "node-body": true, "news-text": true,
	"article-text-body": true, "td-post-content": true, "single-content": true, "blog-content": true,
	"mw-parser-output": true, // MediaWiki (Wikipedia, Fandom) article text
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
			n.block = blockTags[n.tag]
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
		} else if dropTags[n.tag] || isHidden(n) {
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
			if boilerRoles[role] {
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
		if bodyWords[string(name)] {
			body = true
		}
		// A BEM modifier ("section--ads") describes a variant of the block,
		// not what the block is.
		if k := bytes.Index(name, []byte("--")); k > 0 {
			name = name[:k]
		}
		if exactClasses[string(name)] {
			neg = true
			continue
		}
		if contentWords[string(name)] {
			pos = true
			continue
		}
		if neg {
			continue
		}
		if boilerWords[string(name)] {
			neg = true
			continue
		}
		start := 0
		for k := 0; k <= len(name); k++ {
			if k == len(name) || name[k] == '-' {
				if k > start && boilerWords[string(name[start:k])] {
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
