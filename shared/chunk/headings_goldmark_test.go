package chunk

// Differential tests: the block scanner (mdblocks.go) against goldmark
// itself, which stays a test-only dependency (no function links it:
// internal/archtest). goldmarkHeadings is the implementation headings had
// before the scanner replaced it.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/riptidecrawler/riptide/internal/devsets"
	"github.com/riptidecrawler/riptide/shared/extract"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

func goldmarkHeadings(src string) headingList {
	hs, _ := goldmarkHeadingsAndDepth(src)
	return hs
}

// goldmarkHeadingsAndDepth also returns how deep goldmark nested block
// quotes and lists (the document's children are at depth 1).
func goldmarkHeadingsAndDepth(src string) (headingList, int) {
	b := []byte(src)
	doc := goldmark.New().Parser().Parse(text.NewReader(b))
	var out headingList
	maxDepth := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if k := n.Kind(); k == ast.KindBlockquote || k == ast.KindList {
			d := 0
			for p := n; p.Parent() != nil; p = p.Parent() {
				d++
			}
			maxDepth = max(maxDepth, d)
		}
		h, ok := n.(*ast.Heading)
		if !ok {
			return ast.WalkContinue, nil
		}
		lines := h.Lines()
		start := -1
		var t bytes.Buffer
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			if start < 0 {
				start = seg.Start
			}
			t.Write(seg.Value(b))
			t.WriteByte(' ')
		}
		if start < 0 {
			return ast.WalkSkipChildren, nil
		}
		if i := bytes.LastIndexByte(b[:start], '\n'); i >= 0 {
			start = i + 1
		} else {
			start = 0
		}
		out = append(out, heading{start: start, level: h.Level, text: strings.Join(strings.Fields(t.String()), " ")})
		return ast.WalkSkipChildren, nil
	})
	return out, maxDepth
}

// checkAgainstGoldmark fails when the scanner and goldmark disagree on
// src; it returns goldmark's headings. Documents that nest block quotes or
// lists deeper than mdMaxContainerDepth are the one shape where the two
// part on purpose: they are left out (TestDeepNestingStopsAtTheBound
// checks what the scanner does with them).
func checkAgainstGoldmark(t testing.TB, name, src string) headingList {
	t.Helper()
	want, depth := goldmarkHeadingsAndDepth(src)
	got := mdHeadings(src)
	if depth > mdMaxContainerDepth {
		return want
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s: %q\n got  %v\n want %v (goldmark)", name, clip(src, 600), got, want)
	}
	return want
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// headingCases are the shapes where finding headings is tricky. The
// comment says what goldmark does with it (the test checks agreement;
// TestHeadingCasesFindWhatTheySay checks the few stated outcomes).
var headingCases = map[string]string{
	"atx levels":                 "# a\n## b\n### c\n#### d\n##### e\n###### f\n####### not\n",
	"atx no space":               "#hashtag\n#5 not a heading\n",
	"atx closing hashes":         "# a #\n## b ##########\n### c # d ###\n#### e\\##\n##### f#\n",
	"atx empty":                  "#\n## \n### ###\n#\t#\n# #  \n",
	"atx alone at eof":           "text\n\n#",
	"atx tabs":                   "#\ttab\n##\t\tb\t#\t\n",
	"atx indent":                 " # one\n  # two\n   # three\n    # code\n\t# tab code\n",
	"atx interrupts paragraph":   "para\n# heading\nmore\n",
	"atx crlf":                   "# win\r\n\r\ntext\r\nunder\r\n---\r\n",
	"setext":                     "Title\n=====\n\nSub\n---\n",
	"setext multi-line":          "one\ntwo\n  three\n===\n",
	"setext indented bar":        "a\n   ===\nb\n    ---\n",
	"setext bar spaces inside":   "a\n= =\nb\n- - -\n",
	"setext trailing spaces":     "a\n===   \nb\n---\t\n",
	"setext after blank":         "a\n\n===\n",
	"setext single char":         "a\n=\nb\n-\n",
	"thematic break":             "***\n---\n___\n- - -\n",
	"thematic vs setext":         "para\n***\nfoo\n___\nbar\n* * *\n",
	"dash list vs setext":        "para\n- item\n",
	"setext in list":             "- a\n  ---\n- b\n  ===\n",
	"setext lazy in list":        "- a\n---\n",
	"setext in blockquote":       "> a\n> ---\n> b\n===\n",
	"lazy continuation":          "> # q\n> para\nlazy\n# not lazy\n",
	"lazy then underline":        "> para\n---\n",
	"blockquote headings":        "> # one\n>## two\n>   ### three\n> > #### nested\n",
	"blockquote tab":             ">\t# tab\n>\t\t# code\n",
	"list item headings":         "- # one\n  ## two\n1. ### three\n   #### four\n* ##### five\n",
	"list item with code":        "-     # code in item\n- # heading\n",
	"nested lists":               "- a\n  - b\n    - # c\n      d\n      ---\n",
	"list item tab":              "-\t# tab item\n1.\t## ordered\n",
	"empty list item":            "-\n  # after empty\n-\n\n  # blank after empty\n",
	"ordered interrupts":         "para\n2. no\n1. # yes\n",
	"fenced backticks":           "```\n# no\n```\n# yes\n",
	"fenced tildes info":         "~~~ go title=\"x\"\n# no\n~~~\n# yes\n",
	"fenced longer close":        "````\n# no\n```\n# still no\n`````\n# yes\n",
	"fenced close with spaces":   "```\n# no\n   ```   \n# yes\n",
	"fenced close indented 4":    "```\n# no\n    ```\n# still no\n```\n",
	"fenced unclosed":            "```\n# no\n## no\n",
	"fenced indented":            "  ```\n  # no\n  ```\n  # yes\n",
	"fenced backtick info":       "``` a`b\n# yes, not a fence\n",
	"fenced tilde info backtick": "~~~ a`b\n# no\n~~~\n",
	"fenced short":               "``\n# yes\n``\n",
	"fenced mixed close":         "```\n# no\n~~~\n# no\n```\n# yes\n",
	"fenced in list":             "- ```\n  # no\n  ```\n- # yes\n",
	"fenced in quote ended":      "> ```\n> # no\n# yes\n",
	"indented code":              "    # code\n\n    # code\n# heading\n",
	"indented code no interrupt": "para\n    # lazy text\n",
	"indented code blank":        "    code\n\n    # still code\n\n# heading\n",
	"html type 1":                "<script>\n# no\n</script>\n# yes\n",
	"html type 1 one line":       "<pre>x</pre>\n# yes\n",
	"html type 1 fold":           "<ſcript>\n# no\n</ſcript>\n# yes\n",
	"html type 2":                "<!--\n# no\n-->\n# yes\n",
	"html type 3":                "<?php\n# no\n?>\n# yes\n",
	"html type 4":                "<!DOCTYPE html\n# no\n>\n# yes\n",
	"html type 5":                "<![CDATA[\n# no\n]]>\n# yes\n",
	"html type 6":                "<div>\n# no\n\n# yes\n",
	"html type 6 closing":        "</div>\n# no\n\n# yes\n",
	"html type 7":                "<custom-tag a=\"1\" b='2' c=3 d>\n# no\n\n# yes\n",
	"html type 7 no interrupt":   "para\n<custom>\n# yes\n",
	"html type 7 closing attrs":  "</custom a=1>\n# yes\n",
	"html type 6 interrupts":     "para\n<div>\n# no\n",
	"html not block":             "<notatag\n# yes\n<a href=x/>\n# no\n",
	"html tab after tag":         "<div\tclass=x>\n# no\n\n<div\tx\n# yes\n",
	"link ref before setext":     "[a]: /url\nTitle\n===\n",
	"link ref only setext":       "[a]: /url\n===\n",
	"link ref only setext dash":  "[a]: /url\n---\n",
	"link ref title":             "[a]: /url \"title\"\n[b]: </u v> 'x'\nText\n---\n",
	"link ref title next line":   "[a]: /url\n\"title\"\nText\n===\n",
	"link ref bad title":         "[a]: /url \"title\" junk\nText\n===\n",
	"link ref multiline label":   "[a\nb]: /url\nT\n===\n",
	"link ref in quote":          "> [a]: /u\n> T\n> ---\n",
	"link ref in list":           "- [a]: /u\n  ===\n",
	"link ref blank label":       "[ ]: /u\nT\n===\n",
	"link ref unclosed title":    "[a]: /u\n'open\nT\n===\n",
	"link ref failed underline":  "[a]: b\n===\nfoo\n---\n",
	"link ref paren dest":        "[a]: (x(y)) (t)\nT\n===\n",
	"crlf everywhere":            "> # q\r\n> para\r\n> ---\r\n\r\n- a\r\n  ===\r\n```\r\n# no\r\n```\r\n",
	"nbsp and unicode":           "# Grüße\u00a0aus  Köln\n\nÜber\n===\n",
	"emphasis kept":              "# *Kettles* and `code` \\# escaped\n",
	"backslash line end":         "a\\\nb\n---\n",
	"trailing spaces hard break": "a  \nb\n===\n",
	"deep quote":                 "> > > > # deep\n> > > > text\n> > > > ---\n",
	"quote then list":            "> - # a\n>   b\n>   ---\n",
	"list then quote":            "- > # a\n  > b\n  > ===\n",
	"no trailing newline":        "a\n---",
	"only underline":             "===\n---\n",
	"tab indent code after list": "- a\n\n\t# in item\n",
}

func TestHeadingsMatchGoldmarkOnTrickyCases(t *testing.T) {
	for name, src := range headingCases {
		checkAgainstGoldmark(t, name, src)
	}
}

// TestHeadingCasesFindWhatTheySay pins a few outcomes, so that a goldmark
// upgrade that changes them is noticed here rather than only as agreement.
func TestHeadingCasesFindWhatTheySay(t *testing.T) {
	texts := func(hs headingList) []string {
		var out []string
		for _, h := range hs {
			out = append(out, fmt.Sprintf("%d@%d:%s", h.level, h.start, h.text))
		}
		return out
	}
	cases := map[string][]string{
		"fenced backticks":           {"1@13:yes"},
		"link ref before setext":     {"1@10:Title"},
		"link ref only setext":       nil,
		"atx closing hashes":         {"1@0:a", "2@6:b", "3@22:c # d", "4@36:e\\##", "5@46:f#"},
		"atx empty":                  nil,
		"setext multi-line":          {"1@0:one two three"},
		"indented code no interrupt": nil,
		"html type 7 no interrupt":   {"1@14:yes"},
		"lazy then underline":        nil, // a setext underline cannot be lazy: a thematic break
		"blockquote headings":        {"1@0:one", "2@8:two", "3@16:three", "4@30:nested"},
	}
	for name, want := range cases {
		if got := texts(mdHeadings(headingCases[name])); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// Goldmark's HTML block expressions (parser/html_block.go, raw_html.go),
// which mdhtml.go's matchers replace.
const goldmarkAttribute = `(?:[\r\n \t]+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:[\r\n \t]*=[\r\n \t]*(?:[^\"'=<>` + "`" + `\x00-\x20]+|'[^']*'|"[^"]*"))?)`

var goldmarkHTML = sync.OnceValue(func() map[string]*regexp.Regexp {
	return map[string]*regexp.Regexp{
		"1open":  regexp.MustCompile(`(?i)^[ ]{0,3}<(script|pre|style|textarea)(?:\s.*|>.*|/>.*|)(?:\r\n|\n)?$`),
		"1close": regexp.MustCompile(`(?i)^.*</(?:script|pre|style|textarea)>.*`),
		"2":      regexp.MustCompile(`^[ ]{0,3}<!\-\-`),
		"3":      regexp.MustCompile(`^[ ]{0,3}<\?`),
		"4":      regexp.MustCompile(`^[ ]{0,3}<![A-Z]+.*(?:\r\n|\n)?$`),
		"5":      regexp.MustCompile(`^[ ]{0,3}<\!\[CDATA\[`),
		"6":      regexp.MustCompile(`^[ ]{0,3}<(?:/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)(?:[ ].*|>.*|/>.*|)(?:\r\n|\n)?$`),
		"7":      regexp.MustCompile(`^[ ]{0,3}<(/[ ]*)?([a-zA-Z]+[a-zA-Z0-9\-]*)(` + goldmarkAttribute + `*)[ ]*(?:>|/>)[ ]*(?:\r\n|\n)?$`),
	}
})

// goldmarkHTMLBlockStart is htmlBlockParser.Open's decision.
func goldmarkHTMLBlockStart(line string, afterParagraph bool) int {
	re := goldmarkHTML()
	switch {
	case re["1open"].MatchString(line):
		return 1
	case re["2"].MatchString(line):
		return 2
	case re["3"].MatchString(line):
		return 3
	case re["4"].MatchString(line):
		return 4
	case re["5"].MatchString(line):
		return 5
	}
	if m := re["7"].FindStringSubmatchIndex(line); m != nil {
		isClose := m[2] > -1 && line[m[2]:m[3]] == "/"
		hasAttr := m[6] != m[7]
		tag := strings.ToLower(line[m[4]:m[5]])
		if mdHTMLBlockTag(tag) {
			return 6
		}
		if tag != "script" && tag != "style" && tag != "pre" && !afterParagraph && !(isClose && hasAttr) {
			return 7
		}
	}
	if m := re["6"].FindStringSubmatchIndex(line); m != nil && mdHTMLBlockTag(line[m[2]:m[3]]) {
		return 6
	}
	return 0
}

// checkHTMLMatchers compares the matchers with the expressions on every
// line of src (as the block parser sees lines: one newline at most, last).
func checkHTMLMatchers(t testing.TB, src string) {
	t.Helper()
	for line := range strings.Lines(src) {
		for _, after := range []bool{false, true} {
			if got, want := mdHTMLBlockStart(line, after), goldmarkHTMLBlockStart(line, after); got != want {
				t.Errorf("HTML block start of %q (after a paragraph: %v): type %d, goldmark %d", line, after, got, want)
			}
		}
		if got, want := mdHTMLType1End(line), goldmarkHTML()["1close"].MatchString(line); got != want {
			t.Errorf("type 1 end in %q: %v, goldmark %v", line, got, want)
		}
	}
}

var htmlLines = []string{
	"<script>", "<script", "<SCRIPT src=x>", "<scripts>", "<script/>", "<script\t>", "<script\f", "<script\r\n",
	"<textarea\n", "<ſtyle>", "<\u212aey>", "   <pre>", "    <pre>", " \t<pre>", "<!-- c", "<!--", "<!-", "<?x", "<!DOCTYPE",
	"<!doctype", "<![CDATA[", "<![CDATA", "<div>", "<div", "<div\n", "<div class=\"a\">", "<div\tclass=a>", "<DIV/>",
	"</div>", "</ div>", "</div x>", "<div-x>", "<h1>", "<h7>", "<custom>", "<custom/>", "<custom a>", "<custom a=b/>",
	"<custom a = 'b' c=\"d\">  \n", "<custom a=>", "<custom a='b>", "<custom a=b\"c>", "<custom>\t\n", "<custom> \r\n",
	"<custom>\r", "</custom>", "</custom a>", "</ custom>", "<custom\r\nx>", "<custom _a:b.c-d>", "<custom 1a>", "<a href=x/>",
	"<1a>", "<>", "<", "< div>", "</script>", "x</script>y", "</ſcript>", "</SCRIPT >", "</pre></style>", "a</b></textarea>",
	"<style>body{}</style>", "<?php ?>", "<!-- x -->", "<custom a=`b`>", "<custom a=<b>", "<custom ::=x>",
}

func TestHTMLMatchersAgreeWithGoldmarksRegexps(t *testing.T) {
	for _, l := range htmlLines {
		checkHTMLMatchers(t, l)
		checkHTMLMatchers(t, l+"\n")
		checkHTMLMatchers(t, l+" tail\n")
	}
}

// TestHeadingsMatchGoldmarkOnRealMarkdown compares the scanner with
// goldmark on the repository's own docs and on the markdown the extractor
// makes of the pages of the extraction development sets (outside the
// repository: RIPTIDE_EXTRACTION_SETS, default ../shared/bench next to the
// checkout; skipped without them).
func TestHeadingsMatchGoldmarkOnRealMarkdown(t *testing.T) {
	docs, _ := filepath.Glob("../../docs/*.md")
	docs = append(docs, "../../README.md", "../../CHANGELOG.md")
	headingsFound := 0
	for _, fn := range docs {
		b, err := os.ReadFile(fn)
		if err != nil {
			t.Fatal(err)
		}
		headingsFound += len(checkAgainstGoldmark(t, fn, string(b)))
	}
	if len(docs) < 3 || headingsFound == 0 {
		t.Fatalf("docs: %d files, %d headings: the repository's docs were not found", len(docs), headingsFound)
	}

	pages, _ := devsets.Files()
	if len(pages) == 0 {
		t.Skip("no extraction dev sets (set RIPTIDE_EXTRACTION_SETS to the folder holding extraction-dev and extraction-modern): only the docs were compared")
	}
	if testing.Short() {
		pages = pages[:len(pages)/10]
	}
	var mu sync.Mutex
	compared, headingsFound := 0, 0
	work := make(chan string)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for fn := range work {
				md, ok := pageMarkdown(t, fn)
				if !ok {
					continue
				}
				hs := checkAgainstGoldmark(t, fn, md)
				mu.Lock()
				compared++
				headingsFound += len(hs)
				mu.Unlock()
			}
		}()
	}
	for _, fn := range pages {
		work <- fn
	}
	close(work)
	wg.Wait()
	t.Logf("%d pages' markdown compared, %d headings", compared, headingsFound)
	if compared < len(pages)/2 || headingsFound == 0 {
		t.Fatalf("only %d of %d pages compared (%d headings): the extractor failed on most", compared, len(pages), headingsFound)
	}
}

// pageMarkdown is the extractor's markdown for a page (false for pages
// that are not UTF-8, which the fetch layer never hands over, or that it
// cannot extract).
func pageMarkdown(t *testing.T, fn string) (string, bool) {
	body, err := devsets.Read(fn)
	if err != nil {
		t.Error(err)
		return "", false
	}
	if !utf8.Valid(body) {
		return "", false
	}
	doc, err := extract.FromHTML(context.Background(), body, "https://site.test/page", extract.Options{SkipHTML: true, SkipLinks: true, SkipMedia: true})
	if err != nil {
		return "", false
	}
	return doc.Markdown, true
}

func FuzzHeadingsMatchGoldmark(f *testing.F) {
	for _, src := range headingCases {
		f.Add(src)
	}
	for _, l := range htmlLines {
		f.Add(l + "\n# h\n")
	}
	f.Add(sample)
	f.Fuzz(func(t *testing.T, src string) {
		if !utf8.ValidString(src) { // Split rejects invalid UTF-8 before headings sees it
			return
		}
		checkAgainstGoldmark(t, "fuzz", src)
		checkHTMLMatchers(t, src)
	})
}

// TestDeepNestingStopsAtTheBound: block quotes nest up to
// mdMaxContainerDepth as in goldmark; one more '>' is paragraph text.
func TestDeepNestingStopsAtTheBound(t *testing.T) {
	atBound := strings.Repeat("> ", mdMaxContainerDepth) + "# deep\n"
	if hs := checkAgainstGoldmark(t, "at the bound", atBound); len(hs) != 1 || hs[0].text != "deep" {
		t.Errorf("at the bound: goldmark found %v, want the heading", hs)
	}
	beyond := strings.Repeat("> ", mdMaxContainerDepth+1) + "# deeper\n"
	if hs, depth := goldmarkHeadingsAndDepth(beyond); len(hs) != 1 || depth != mdMaxContainerDepth+1 {
		t.Fatalf("beyond the bound: goldmark found %v at depth %d", hs, depth)
	}
	if hs := mdHeadings(beyond); len(hs) != 0 {
		t.Errorf("beyond the bound: %v, want no heading (the last '>' is text)", hs)
	}
	// A list item is one level below its list.
	list := ""
	for i := range mdMaxContainerDepth / 2 {
		list += strings.Repeat("  ", i) + "- item\n"
	}
	list += strings.Repeat("  ", mdMaxContainerDepth/2) + "- # in a list too deep\n"
	if hs, depth := goldmarkHeadingsAndDepth(list); len(hs) != 1 || depth <= mdMaxContainerDepth {
		t.Fatalf("nested lists: goldmark found %v at depth %d", hs, depth)
	}
	if hs := mdHeadings(list); len(hs) != 0 {
		t.Errorf("nested lists beyond the bound: %v, want no heading (the line continues the paragraph above)", hs)
	}
}
