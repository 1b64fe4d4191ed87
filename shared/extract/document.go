package extract

import (
	"encoding/json"
	"unicode"
	"unicode/utf8"
)

// Document is everything extracted from one page. Field names are the
// API's JSON names.
type Document struct {
	URL          string            `json:"url,omitempty"`
	Title        string            `json:"title,omitempty"`
	Text         string            `json:"text"`
	Markdown     string            `json:"markdown,omitempty"`
	HTML         string            `json:"html,omitempty"`
	Byline       string            `json:"byline,omitempty"`
	PublishedAt  string            `json:"published_at,omitempty"` // RFC 3339, or a date (YYYY-MM-DD) when the page gives no time
	ModifiedAt   string            `json:"modified_at,omitempty"`
	Language     string            `json:"language,omitempty"`
	SiteName     string            `json:"site_name,omitempty"`
	Description  string            `json:"description,omitempty"`
	CanonicalURL string            `json:"canonical_url,omitempty"`
	Image        string            `json:"image,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	OpenGraph    map[string]string `json:"opengraph,omitempty"`
	JSONLD       []json.RawMessage `json:"json_ld,omitempty"`
	Links        []Link            `json:"links,omitempty"`
	Media        []Media           `json:"media,omitempty"`
	WordCount    int               `json:"word_count"`
	// ReadingTimeMS is the time to read Text at 238 words per minute (the
	// mean silent reading speed for non-fiction in Brysbaert 2019), in
	// milliseconds like every duration in the API.
	ReadingTimeMS int64 `json:"reading_time_ms"`
	// ExtractionMethod names the pass that produced Text (main_content,
	// relaxed, page_region, readability, visible_text, none): page_region,
	// readability and visible_text are fallbacks, and quality says so too.
	ExtractionMethod string  `json:"extraction_method"`
	Quality          Quality `json:"quality"`
}

// Link is one hyperlink of the page.
type Link struct {
	URL      string   `json:"url"`
	Text     string   `json:"text,omitempty"`
	Rel      []string `json:"rel,omitempty"`
	Internal bool     `json:"internal"`
	// InContent is true when the link sits inside the main content.
	InContent bool `json:"in_content"`
}

// Media is one image, video or audio element.
type Media struct {
	Type      string `json:"type"` // image, video, audio
	URL       string `json:"url"`
	Alt       string `json:"alt,omitempty"`
	Caption   string `json:"caption,omitempty"`
	InContent bool   `json:"in_content"`
}

// Quality says how much the extracted content can be trusted to be the
// page's main content, with the reasons that moved the score.
type Quality struct {
	Score   float64  `json:"score"`
	Reasons []string `json:"reasons"`
}

// countWords counts words the way readers do: runs of letters or digits;
// in scripts written without spaces (CJK, Thai) each character counts as a
// word, which keeps reading time sensible for those languages.
func countWords(s string) int {
	var c wordSink
	c.add(s)
	return c.n
}

// wordSink counts the words of a text written to it piece by piece, the
// count countWords gives for the whole: a word may continue from one
// piece into the next. It is the text writer's sink when only the word
// count is wanted (Options.SkipText).
type wordSink struct {
	n  int
	in bool // the last character written was part of a word
}

func (c *wordSink) WriteString(s string) (int, error) {
	c.add(s)
	return len(s), nil
}

func (c *wordSink) WriteByte(b byte) error {
	if b < utf8.RuneSelf {
		c.addASCII(b)
	} else {
		c.in = false // never written: the writers write whole runes as strings
	}
	return nil
}

func (c *wordSink) addASCII(b byte) {
	switch {
	case asciiWord[b]:
		if !c.in {
			c.n++
			c.in = true
		}
	case b == '-' && c.in:
	default:
		c.in = false
	}
}

func (c *wordSink) add(s string) {
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			i++
			c.addASCII(b)
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		c.addRune(r)
	}
}

func (c *wordSink) addRune(r rune) {
	switch {
	case isWordRune(r):
		if !c.in {
			c.n++
			c.in = true
		}
	case isSpacelessScript(r):
		c.n++
		c.in = false
	default:
		c.in = false
	}
}

// addCollapsed counts the words appendCollapsed(c, s, spaced) would write,
// in one pass over s instead of two, and returns the same spaced:
// whitespace, U+00A0 and U+200B end a word; U+00AD, U+FEFF and U+2060
// vanish (a soft hyphen inside a word leaves one word); an invalid byte is
// U+FFFD. appendCollapsed writes a space only where none was written last,
// and a space written last has already ended the word, so ending it again
// changes nothing.
func (c *wordSink) addCollapsed(s string, spaced bool) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			i++
			if byteClass[b] == byteSpace {
				c.in, spaced = false, true
			} else {
				c.addASCII(b)
				spaced = false
			}
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch r {
		case '\u00a0', '\u200b':
			c.in, spaced = false, true
		case '\u00ad', '\ufeff', '\u2060':
		default: // utf8.RuneError for an invalid byte: the U+FFFD written
			c.addRune(r)
			spaced = false
		}
	}
	return spaced
}

// asciiWord marks the ASCII bytes that are part of a word: letters,
// digits and the apostrophe.
var asciiWord = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '\''
	}
	return t
}()

// isWordRune reports letters, digits and apostrophes, deciding ASCII
// without table lookups: most text on the web is mostly ASCII and this
// runs on every character of every page.
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '\''
	}
	return r == '’' || !isSpacelessScript(r) && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// isSpacelessScript reports runes of scripts written without spaces
// between words (CJK, kana, Thai), cheaply ruling out the rest by range.
func isSpacelessScript(r rune) bool {
	if r < 0x0E00 || (r > 0x0E7F && r < 0x2E80) {
		return false
	}
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Thai, r)
}
