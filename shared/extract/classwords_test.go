package extract

import "testing"

func TestClassWords(t *testing.T) {
	for _, c := range []struct {
		v              string
		neg, pos, body bool
	}{
		{"", false, false, false},
		{"sidebar", true, false, false},
		{"leftSidebar widget", true, false, false},       // glued word, any case
		{"relatedPosts", true, false, false},             // substring
		{"site_footer", true, false, false},              // '_' reads as '-'
		{"section--ads", false, false, false},            // a BEM modifier is not what the block is
		{"Post_Content comments-open", true, true, true}, // classify lets the content word win
		{"entry-content", false, true, true},
		{"header", false, false, false}, // "ad" is not a part of "header"
		{"thread", false, false, false},
		{"hidden-xs", false, false, false},
		{"sr-only", true, false, false},
		{"wp-caption-text", true, false, false}, // a caption set apart from its figure
		{"caption-s", false, false, false},      // a type size, not a caption
		// A heading anchor slugged from its text says nothing about the
		// element ("...-social-specialist-..." is not a share box).
		{"salesforce-certified-marketing-cloud-social-specialist-certification", false, false, false},
	} {
		neg, pos, body := classWords(c.v)
		if neg != c.neg || pos != c.pos || body != c.body {
			t.Errorf("classWords(%q) = %v %v %v, want %v %v %v", c.v, neg, pos, body, c.neg, c.pos, c.body)
		}
	}
}

func TestStyleHides(t *testing.T) {
	for s, want := range map[string]bool{
		"display:none":                          true,
		"color: red; DISPLAY : None !important": true,
		"visibility:hidden":                     true,
		"display:block":                         false,
		"visibility: visible":                   false,
		"":                                      false,
		"--display:none-ish":                    true, // as the space-stripping check it replaces
	} {
		if got := styleHides(s); got != want {
			t.Errorf("styleHides(%q) = %v, want %v", s, got, want)
		}
	}
}
