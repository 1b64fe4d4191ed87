package structured

import (
	"strings"
	"unicode/utf8"
)

// SplitMarkdown cuts markdown into pieces of at most limit bytes, at
// paragraph boundaries where it can, then at line breaks, then between
// runes, so a heading stays with the text under it whenever it fits.
func SplitMarkdown(md string, limit int) []string {
	md = strings.TrimSpace(md)
	if md == "" {
		return []string{""}
	}
	if limit <= 0 || len(md) <= limit {
		return []string{md}
	}
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	add := func(piece, sep string) {
		if cur.Len() > 0 && cur.Len()+len(sep)+len(piece) > limit {
			flush()
		}
		if cur.Len() > 0 {
			cur.WriteString(sep)
		}
		cur.WriteString(piece)
	}
	for _, para := range strings.Split(md, "\n\n") {
		if len(para) <= limit {
			add(para, "\n\n")
			continue
		}
		for _, line := range strings.Split(para, "\n") {
			for len(line) > limit {
				cut := limit
				for cut > 0 && !utf8.RuneStart(line[cut]) {
					cut--
				}
				flush()
				out = append(out, line[:cut])
				line = line[cut:]
			}
			add(line, "\n")
		}
	}
	flush()
	return out
}
