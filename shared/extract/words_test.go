package extract

import (
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
