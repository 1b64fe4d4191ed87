package extract

import (
	"context"
	"strconv"
	"testing"
	"unicode"
)

// countWordsReference is the plain definition countWords must agree with.
func countWordsReference(s string) int {
	n := 0
	in := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Thai, r):
			n++
			in = false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' || r == '’' || r == '-' && in:
			if !in {
				n++
				in = true
			}
		default:
			in = false
		}
	}
	return n
}

func TestCountWordsMatchesTheDefinition(t *testing.T) {
	for _, s := range []string{"", "one", "two words", "it's a well-known fact - really", "naïve café 42x",
		"東京は日本の首都です", "ภาษาไทยง่ายมาก", "mixed 日本 text and ひらがな", "l’été", "—dash— -lead trail-", "\xff\xfe bad utf8",
		"Привет, мир! Это тест.", "مرحبا بالعالم"} {
		if got, want := countWords(s), countWordsReference(s); got != want {
			t.Errorf("countWords(%q) = %d, want %d", s, got, want)
		}
	}
}

func FuzzCountWords(f *testing.F) {
	f.Add("it's 東京 well-known")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := countWords(s), countWordsReference(s); got != want {
			t.Fatalf("countWords(%q) = %d, want %d", s, got, want)
		}
	})
}

// SkipText counts the words without rendering the text; the count must be
// the one of the text, whatever the markup between the words.
func TestWordCountWithoutTextIsTheTextsCount(t *testing.T) {
	pages := [][]byte{
		[]byte(`<article><p>co<b>op</b>er&shy;ation and&nbsp;more&#8203;words well-known -dash</p>` +
			`<pre>pre&shy;formatted
line two</pre><p>after<br>break</p><table><tr><td>cell</td><td>two</td></tr><tr><td><p>block</p>in cell</td></tr></table>` +
			`<ul><li>item<ul><li>nested</li></ul></li></ul><p>日本語のテキスト and ไทย</p><p>bad ` + "\xff" + `byte</p></article>`),
	}
	for _, name := range []string{"article.html", "tables.html", "code.html", "forum.html", "next-ssr.html", "spa-shell.html"} {
		pages = append(pages, loadFixture(t, name))
	}
	check := func(t *testing.T, page []byte) {
		p, err := Parse(context.Background(), page, "https://example.org/", 1<<24)
		if err != nil {
			return
		}
		d, err := p.Extract(context.Background(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		c, err := p.Extract(context.Background(), Options{SkipText: true})
		if err != nil {
			t.Fatal(err)
		}
		if c.Text != "" || c.WordCount != d.WordCount || c.ReadingTimeMS != d.ReadingTimeMS {
			t.Errorf("without the text: %d words, text %q...; with it: %d words", c.WordCount, c.Text[:min(40, len(c.Text))], d.WordCount)
		}
	}
	for i, page := range pages {
		t.Run(strconv.Itoa(i), func(t *testing.T) { check(t, page) })
	}
	if testing.Short() {
		return
	}
	// Both development sets when they are beside the checkout (CI and a
	// plain clone have none: the fixtures above still run).
	sets := loadDevSetPagesIfAny(t)
	for _, page := range sets {
		check(t, page)
	}
	t.Logf("%d development set pages compared", len(sets))
}
