package extract

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"

	"golang.org/x/net/html/atom"
)

// metadata is what the page says about itself, gathered in one pass over
// <head> meta/link tags, JSON-LD blocks and a few body conventions.
type metadata struct {
	meta      map[string]string // lower-case name/property/itemprop -> first content
	opengraph map[string]string
	jsonLD    []json.RawMessage
	ld        ldFacts
	title     string // <title>
	h1        string
	canonical string
	lang      string
	keywords  []string
	timeAttr  string // first <time datetime> that says it is the publication date
	bylineEl  string // text of rel=author / itemprop=author / .byline
}

// ldFacts are the article facts found in JSON-LD.
type ldFacts struct {
	headline, author, published, modified, publisher, description, image string
	keywords                                                             []string
}

func (t *tree) collectMetadata(base *url.URL) *metadata {
	m := &metadata{meta: map[string]string{}, opengraph: map[string]string{}}
	if t.html != nil {
		m.lang = strings.TrimSpace(t.html.attr("lang"))
		if m.lang == "" {
			m.lang = strings.TrimSpace(t.html.attr("xml:lang"))
		}
	}
	for _, n := range t.nodes {
		switch n.tag {
		case atom.Meta:
			content := strings.TrimSpace(n.attr("content"))
			if content == "" {
				continue
			}
			for _, key := range []string{n.attr("property"), n.attr("name"), n.attr("itemprop"), n.attr("http-equiv")} {
				key = strings.ToLower(strings.TrimSpace(key))
				if key == "" {
					continue
				}
				if _, ok := m.meta[key]; !ok {
					m.meta[key] = content
				}
				if strings.HasPrefix(key, "og:") || strings.HasPrefix(key, "article:") {
					if _, ok := m.opengraph[key]; !ok {
						m.opengraph[key] = content
					}
				}
				if key == "article:tag" {
					m.keywords = append(m.keywords, content)
				}
			}
		case atom.Title:
			if m.title == "" && !inDropped(n, atom.Svg) {
				m.title = strings.TrimSpace(collapseSpace(rawTextOf(n.h)))
			}
		case atom.Link:
			rel := strings.ToLower(n.attr("rel"))
			if m.canonical == "" && strings.Contains(" "+rel+" ", " canonical ") {
				m.canonical = resolveURL(base, n.attr("href"))
			}
		case atom.Script:
			if strings.Contains(strings.ToLower(n.attr("type")), "ld+json") {
				m.addJSONLD(rawTextOf(n.h))
			}
		case atom.H1:
			if m.h1 == "" && !n.drop {
				m.h1 = textOf(n)
			}
		case atom.Time:
			if m.timeAttr == "" && (n.hasAttr("pubdate") || strings.EqualFold(n.attr("itemprop"), "datePublished")) {
				m.timeAttr = firstNonEmpty(n.attr("datetime"), textOf(n))
			}
		case atom.A, atom.Span, atom.Div, atom.P, atom.Address:
			if m.bylineEl == "" && isBylineElement(n) {
				if s := textOf(n); s != "" && len(s) < 120 {
					m.bylineEl = s
				}
			}
		}
	}
	if m.timeAttr == "" {
		for _, n := range t.nodes {
			if n.tag == atom.Time && n.attr("datetime") != "" && !n.drop {
				m.timeAttr = n.attr("datetime")
				break
			}
		}
	}
	return m
}

func isBylineElement(n *node) bool {
	if rel := n.attr("rel"); rel != "" && hasToken(rel, "author") {
		return true
	}
	if strings.EqualFold(n.attr("itemprop"), "author") {
		return true
	}
	c := n.attr("class")
	if c == "" {
		return false
	}
	for _, f := range [...]string{"byline", "author", "author-name", "byline-name", "article-author", "post-author"} {
		if hasToken(c, f) {
			return true
		}
	}
	return false
}

// hasToken reports whether the space-separated list v holds tok, ignoring
// case, without allocating.
func hasToken(v, tok string) bool {
	for i := 0; i < len(v); {
		for i < len(v) && isClassSpace(v[i]) {
			i++
		}
		j := i
		for j < len(v) && !isClassSpace(v[j]) {
			j++
		}
		if j-i == len(tok) && strings.EqualFold(v[i:j], tok) {
			return true
		}
		i = j
	}
	return false
}

func (m *metadata) addJSONLD(raw string) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(m.jsonLD) >= 32 {
		return
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(raw)); err != nil {
		return // invalid JSON-LD is common; it is not ours to repair
	}
	m.jsonLD = append(m.jsonLD, json.RawMessage(buf.Bytes()))
	var v any
	if err := json.Unmarshal(buf.Bytes(), &v); err != nil {
		return
	}
	m.ld.visit(v, 0)
}

// articleTypes are the JSON-LD @types (lowercased) of article-like objects;
// "webpage" and "qapage" are deliberately not among them.
func articleTypes(k string) bool {
	switch k {
	case
		"article", "newsarticle", "blogposting", "reportagenewsarticle",
		"analysisnewsarticle", "opinionnewsarticle", "scholarlyarticle",
		"techarticle", "socialmediaposting", "liveblogposting",
		"review", "recipe", "howto", "discussionforumposting",
		"creativework", "report", "backgroundnewsarticle", "medicalwebpage":
		return true
	}
	return false
}

// visit walks a JSON-LD value and keeps the first facts of the first
// article-like object (and @graph members).
func (f *ldFacts) visit(v any, depth int) {
	if depth > 8 {
		return
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			f.visit(e, depth+1)
		}
	case map[string]any:
		if g, ok := x["@graph"]; ok {
			f.visit(g, depth+1)
		}
		isArticle := false
		for _, t := range JSONLDTypes(x["@type"]) {
			if articleTypes(strings.ToLower(t)) {
				isArticle = true
			}
		}
		if !isArticle {
			return
		}
		set := func(dst *string, v string) {
			if *dst == "" {
				*dst = strings.TrimSpace(v)
			}
		}
		set(&f.headline, ldString(x["headline"]))
		set(&f.headline, ldString(x["name"]))
		set(&f.author, ldName(x["author"]))
		set(&f.published, ldString(x["datePublished"]))
		set(&f.published, ldString(x["dateCreated"]))
		set(&f.modified, ldString(x["dateModified"]))
		set(&f.publisher, ldName(x["publisher"]))
		set(&f.description, ldString(x["description"]))
		set(&f.image, ldURL(x["image"]))
		if len(f.keywords) == 0 {
			switch k := x["keywords"].(type) {
			case string:
				f.keywords = splitKeywords(k)
			case []any:
				for _, e := range k {
					if s, ok := e.(string); ok && strings.TrimSpace(s) != "" {
						f.keywords = append(f.keywords, strings.TrimSpace(s))
					}
				}
			}
		}
	}
}

// JSONLDTypes reads a JSON-LD "@type" (or microdata "type") value: one
// name or a list of names; anything else names no type.
func JSONLDTypes(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func ldString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		if len(x) > 0 {
			return ldString(x[0])
		}
	case map[string]any:
		if s, ok := x["@value"].(string); ok {
			return s
		}
	}
	return ""
}

// ldName reads a Person/Organization (or a list of them, joined) or a
// plain string.
func ldName(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return ldString(x["name"])
	case []any:
		var names []string
		for _, e := range x {
			if s := strings.TrimSpace(ldName(e)); s != "" && !contains(names, s) {
				names = append(names, s)
			}
		}
		return strings.Join(names, ", ")
	}
	return ""
}

func ldURL(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case map[string]any:
		return ldString(x["url"])
	case []any:
		if len(x) > 0 {
			return ldURL(x[0])
		}
	}
	return ""
}

func splitKeywords(s string) []string {
	var out []string
	for _, k := range strings.Split(s, ",") {
		if k = strings.TrimSpace(k); k != "" && !contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// fill copies the metadata into the document, choosing between sources in
// order of reliability.
func (m *metadata) fill(d *Document, base *url.URL) {
	get := func(k string) string { return m.meta[k] }
	site := firstNonEmpty(get("og:site_name"), m.ld.publisher)
	d.Title = cleanTitle(firstNonEmpty(get("og:title"), m.ld.headline, get("twitter:title"), m.title, m.h1), site)
	d.SiteName = firstNonEmpty(get("og:site_name"), m.ld.publisher, get("application-name"))
	d.Description = firstNonEmpty(get("description"), get("og:description"), m.ld.description, get("twitter:description"))
	byline := firstNonEmpty(m.ld.author, get("author"), get("article:author"), get("parsely-author"), get("sailthru.author"), get("dc.creator"), m.bylineEl)
	if strings.HasPrefix(byline, "http://") || strings.HasPrefix(byline, "https://") {
		byline = firstNonEmpty(get("author"), m.bylineEl)
	}
	d.Byline = truncateRunes(byline, 200)
	d.PublishedAt = normalizeDate(firstNonEmpty(
		get("article:published_time"), m.ld.published, get("og:published_time"), get("datepublished"),
		get("publishdate"), get("pubdate"), get("publish-date"), get("date"), get("dc.date.issued"),
		get("dc.date"), get("dcterms.created"), get("dcterms.date"), get("parsely-pub-date"),
		get("sailthru.date"), get("citation_publication_date"), get("article.published"), m.timeAttr))
	d.ModifiedAt = normalizeDate(firstNonEmpty(get("article:modified_time"), m.ld.modified, get("og:updated_time"),
		get("datemodified"), get("last-modified"), get("dcterms.modified")))
	lang := firstNonEmpty(m.lang, get("content-language"), get("og:locale"), get("language"), get("dc.language"))
	d.Language = normalizeLang(lang)
	canonical := firstNonEmpty(m.canonical, resolveURL(base, get("og:url")))
	if u, err := url.Parse(canonical); err == nil && u.IsAbs() {
		d.CanonicalURL = canonical
	}
	if img := firstNonEmpty(get("og:image"), get("og:image:url"), get("twitter:image"), m.ld.image); img != "" {
		d.Image = resolveURL(base, img)
	}
	if len(m.opengraph) > 0 {
		d.OpenGraph = m.opengraph
	}
	d.JSONLD = m.jsonLD
	kw := m.keywords
	if len(kw) == 0 {
		kw = splitKeywords(get("keywords"))
	}
	if len(kw) == 0 {
		kw = m.ld.keywords
	}
	if len(kw) > 50 {
		kw = kw[:50]
	}
	d.Keywords = kw
}

// cleanTitle removes a " | Site name" style suffix or prefix from <title>.
func cleanTitle(title, site string) string {
	for _, sep := range []string{" | ", " - ", " – ", " — ", " :: ", " · ", " » "} {
		parts := strings.Split(title, sep)
		if len(parts) < 2 {
			continue
		}
		first, last := parts[0], parts[len(parts)-1]
		switch {
		case site != "" && strings.EqualFold(strings.TrimSpace(last), site):
			return strings.TrimSpace(strings.Join(parts[:len(parts)-1], sep))
		case site != "" && strings.EqualFold(strings.TrimSpace(first), site):
			return strings.TrimSpace(strings.Join(parts[1:], sep))
		case len(parts) == 2 && len([]rune(last)) < len([]rune(first))/2:
			return strings.TrimSpace(first)
		}
	}
	return title
}

// normalizeLang turns "de_DE", "EN-us" into BCP 47 casing ("de-DE", "en-US").
func normalizeLang(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "_", "-"))
	if s == "" {
		return ""
	}
	if i := strings.IndexAny(s, ",; "); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, "-")
	for i, p := range parts {
		switch {
		case i == 0:
			parts[i] = strings.ToLower(p)
		case len(p) == 2:
			parts[i] = strings.ToUpper(p)
		case len(p) == 4:
			parts[i] = strings.ToUpper(p[:1]) + strings.ToLower(p[1:])
		default:
			parts[i] = strings.ToLower(p)
		}
	}
	if len(parts[0]) < 2 || len(parts[0]) > 3 {
		return ""
	}
	return strings.Join(parts, "-")
}
