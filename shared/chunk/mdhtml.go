package chunk

// HTML blocks for the markdown block scanner: goldmark v1.8.7's
// html_block.go (MIT, Copyright (c) 2019 Yusuke Inuzuka; see mdblocks.go),
// with its regular expressions written out as matchers, so that nothing is
// compiled at package init and a line costs no regexp run. The test
// TestHTMLMatchersAgreeWithGoldmarksRegexps, and the fuzz target on every
// line it sees, hold each matcher to the expression it replaces.

import "strings"

// mdHTMLBlockTags are the tag names that start an HTML block of type 6
// (CommonMark's list, plus goldmark's additions).
func mdHTMLBlockTag(name string) bool {
	switch strings.ToLower(name) {
	case "address", "article", "aside", "base", "basefont", "blockquote", "body",
		"caption", "center", "col", "colgroup", "dd", "details", "dialog", "dir",
		"div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
		"frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header",
		"hr", "html", "iframe", "legend", "li", "link", "main", "menu", "menuitem",
		"meta", "nav", "noframes", "ol", "optgroup", "option", "p", "param",
		"search", "section", "summary", "table", "tbody", "td", "tfoot", "th",
		"thead", "title", "tr", "track", "ul":
		return true
	}
	return false
}

// mdHTMLBlockStart returns the type (1-7) of the HTML block line starts,
// or 0. A type 7 block cannot interrupt a paragraph.
func mdHTMLBlockStart(line string, afterParagraph bool) int {
	rest, ok := mdHTMLOpen(line)
	if !ok {
		return 0
	}
	switch {
	case mdHTMLType1Start(rest):
		return 1
	case strings.HasPrefix(rest, "!--"):
		return 2
	case strings.HasPrefix(rest, "?"):
		return 3
	case len(rest) > 1 && rest[0] == '!' && rest[1] >= 'A' && rest[1] <= 'Z':
		return 4
	case strings.HasPrefix(rest, "![CDATA["):
		return 5
	}
	if closing, tag, hasAttr, ok := mdHTMLType7(rest); ok {
		lower := strings.ToLower(tag)
		if mdHTMLBlockTag(lower) {
			return 6
		}
		if lower != "script" && lower != "style" && lower != "pre" && !afterParagraph && !(closing && hasAttr) {
			return 7
		}
	}
	if tag, ok := mdHTMLType6(rest); ok && mdHTMLBlockTag(tag) {
		return 6
	}
	return 0
}

// mdHTMLOpen matches `^[ ]{0,3}<` and returns what follows the '<'.
func mdHTMLOpen(line string) (string, bool) {
	i := 0
	for i < len(line) && i < 3 && line[i] == ' ' {
		i++
	}
	if i < len(line) && line[i] == '<' {
		return line[i+1:], true
	}
	return "", false
}

// mdLineEnd matches `(?:\r\n|\n)?$`.
func mdLineEnd(s string) bool { return s == "" || s == "\n" || s == "\r\n" }

// mdHTMLType1Names are the raw-text elements that start a type 1 block.
var mdHTMLType1Names = [...]string{"script", "pre", "style", "textarea"}

// mdHTMLType1Start matches what follows '<' against
// `(?i)(script|pre|style|textarea)(?:\s.*|>.*|/>.*|)(?:\r\n|\n)?$`.
func mdHTMLType1Start(rest string) bool {
	for _, name := range mdHTMLType1Names {
		n, ok := mdFoldPrefix(rest, name)
		if !ok {
			continue
		}
		after := rest[n:]
		if after != "" && (after[0] == ' ' || after[0] == '\t' || after[0] == '\n' || after[0] == '\f' || after[0] == '\r' || after[0] == '>') ||
			strings.HasPrefix(after, "/>") || mdLineEnd(after) {
			return true
		}
	}
	return false
}

// mdHTMLType1End matches `(?i)^.*</(?:script|pre|style|textarea)>.*` (a
// line holds one newline at most, at its end).
func mdHTMLType1End(line string) bool {
	for i := strings.Index(line, "</"); i >= 0; {
		rest := line[i+2:]
		for _, name := range mdHTMLType1Names {
			if n, ok := mdFoldPrefix(rest, name); ok && n < len(rest) && rest[n] == '>' {
				return true
			}
		}
		j := strings.Index(rest, "</")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return false
}

// mdFoldPrefix matches s's start against the lowercase ASCII word
// case-insensitively as Go's regexp (?i) does: with simple case folding,
// under which 'ſ' (U+017F) is an 's' and the Kelvin sign (U+212A) a 'k'.
// It returns the length of the match in bytes.
func mdFoldPrefix(s, word string) (int, bool) {
	n := 0
	for i := 0; i < len(word); i++ {
		c := word[i]
		switch {
		case n < len(s) && (s[n] == c || s[n] == c-'a'+'A'):
			n++
		case c == 's' && strings.HasPrefix(s[n:], "\u017f"):
			n += len("\u017f")
		case c == 'k' && strings.HasPrefix(s[n:], "\u212a"):
			n += len("\u212a")
		default:
			return 0, false
		}
	}
	return n, true
}

func mdIsASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func mdIsDigit(c byte) bool { return c >= '0' && c <= '9' }

// mdHTMLTagName matches `(/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)` after the '<':
// whether there is a slash (and only a slash), the name and what follows.
func mdHTMLTagName(rest string) (slashAlone bool, name, after string, ok bool) {
	i := 0
	if i < len(rest) && rest[i] == '/' {
		i++
		for i < len(rest) && rest[i] == ' ' {
			i++
		}
		slashAlone = i == 1
	}
	start := i
	if i >= len(rest) || !mdIsASCIILetter(rest[i]) {
		return false, "", "", false
	}
	for i < len(rest) && (mdIsASCIILetter(rest[i]) || mdIsDigit(rest[i]) || rest[i] == '-') {
		i++
	}
	return slashAlone, rest[start:i], rest[i:], true
}

// mdHTMLType6 matches what follows '<' against
// `(?:/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)(?:[ ].*|>.*|/>.*|)(?:\r\n|\n)?$`.
func mdHTMLType6(rest string) (string, bool) {
	_, name, after, ok := mdHTMLTagName(rest)
	if !ok {
		return "", false
	}
	if after != "" && (after[0] == ' ' || after[0] == '>') || strings.HasPrefix(after, "/>") || mdLineEnd(after) {
		return name, true
	}
	return "", false
}

// mdHTMLType7 matches what follows '<' against goldmark's open or closing
// tag expression, `(/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)(ATTRIBUTE*)[ ]*(?:>|/>)[ ]*(?:\r\n|\n)?$`,
// with ATTRIBUTE `[\r\n \t]+[a-zA-Z_:][a-zA-Z0-9:._-]*` and an optional
// `[\r\n \t]*=[\r\n \t]*` value (unquoted `[^"'=<>`\x00-\x20]+`, or in
// single or double quotes). Each part of it has one way to match, so
// taking each greedily decides the match as the backtracking expression
// does. closing is a first group of "/" alone.
func mdHTMLType7(rest string) (closing bool, name string, hasAttr bool, ok bool) {
	closing, name, s, ok := mdHTMLTagName(rest)
	if !ok {
		return false, "", false, false
	}
	for {
		n := mdHTMLAttribute(s)
		if n == 0 {
			break
		}
		s = s[n:]
		hasAttr = true
	}
	s = strings.TrimLeft(s, " ")
	switch {
	case strings.HasPrefix(s, ">"):
		s = s[1:]
	case strings.HasPrefix(s, "/>"):
		s = s[2:]
	default:
		return false, "", false, false
	}
	if !mdLineEnd(strings.TrimLeft(s, " ")) {
		return false, "", false, false
	}
	return closing, name, hasAttr, true
}

func mdIsTagSpace(c byte) bool { return c == '\r' || c == '\n' || c == ' ' || c == '\t' }

// mdHTMLAttribute returns the length of the attribute s starts with, or 0.
func mdHTMLAttribute(s string) int {
	i := 0
	for i < len(s) && mdIsTagSpace(s[i]) {
		i++
	}
	if i == 0 || i >= len(s) || !(mdIsASCIILetter(s[i]) || s[i] == '_' || s[i] == ':') {
		return 0
	}
	i++
	for i < len(s) && (mdIsASCIILetter(s[i]) || mdIsDigit(s[i]) || strings.IndexByte(":._-", s[i]) >= 0) {
		i++
	}
	if n := mdHTMLAttributeValue(s[i:]); n > 0 {
		i += n
	}
	return i
}

// mdHTMLAttributeValue returns the length of `[\r\n \t]*=[\r\n \t]*VALUE`
// at the start of s, or 0.
func mdHTMLAttributeValue(s string) int {
	i := 0
	for i < len(s) && mdIsTagSpace(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '=' {
		return 0
	}
	i++
	for i < len(s) && mdIsTagSpace(s[i]) {
		i++
	}
	if i >= len(s) {
		return 0
	}
	switch q := s[i]; q {
	case '\'', '"':
		j := strings.IndexByte(s[i+1:], q)
		if j < 0 {
			return 0
		}
		return i + 1 + j + 1
	}
	j := i
	for j < len(s) && s[j] > 0x20 && strings.IndexByte("\"'=<>`", s[j]) < 0 {
		j++
	}
	if j == i {
		return 0
	}
	return j
}

// continueHTMLBlock ends a block at its end condition: for types 1-5 a
// line containing the closing text (the block's first line included), for
// 6 and 7 a blank line (not part of the block).
func (s *mdBlockScanner) continueHTMLBlock(n *mdNode) mdState {
	line, _, _ := s.r.peekLine()
	var closing string
	switch n.htmlType {
	case 1:
		if n.htmlLines == 1 && mdHTMLType1End(n.lines[0].value(s.src)) {
			return mdClose
		}
		if mdHTMLType1End(line) {
			s.r.advanceToEOL()
			return mdClose
		}
	case 2, 3, 4, 5:
		closing = [...]string{2: "-->", 3: "?>", 4: ">", 5: "]]>"}[n.htmlType]
		if n.htmlLines == 1 && strings.Contains(n.lines[0].value(s.src), closing) {
			return mdClose
		}
		if strings.Contains(line, closing) {
			s.r.advanceToEOL()
			return mdClose
		}
	case 6, 7:
		if mdIsBlank(line) {
			return mdClose
		}
	}
	n.htmlLines++
	s.r.advanceToEOL()
	return mdContinue | mdNoChildren
}
