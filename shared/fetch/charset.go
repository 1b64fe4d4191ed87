package fetch

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// Where the detected charset came from (Response.CharsetSource).
const (
	CharsetFromBOM       = "bom"
	CharsetFromHeader    = "header"
	CharsetFromMeta      = "meta"
	CharsetFromXMLDecl   = "xml_declaration"
	CharsetFromHeuristic = "heuristic"
)

// metaScanBytes is how far into a document <meta charset> is looked for.
// HTML requires it within the first 1024 bytes, but real pages put it after
// long comments or scripts; browsers scan further when they must.
const metaScanBytes = 4096

// isTextType reports whether a media type is text that should be converted
// to UTF-8. Anything else (PDF, images, archives) is returned as is.
func isTextType(mediaType string) bool {
	switch {
	case strings.HasPrefix(mediaType, "text/"),
		mediaType == "application/xhtml+xml",
		mediaType == "application/xml",
		mediaType == "application/json",
		mediaType == "application/javascript",
		mediaType == "application/ecmascript",
		strings.HasSuffix(mediaType, "+xml"),
		strings.HasSuffix(mediaType, "+json"):
		return true
	}
	return false
}

func isHTMLType(mediaType string) bool {
	return mediaType == "text/html" || mediaType == "application/xhtml+xml"
}

func isXMLType(mediaType string) bool {
	return mediaType == "application/xml" || mediaType == "text/xml" || strings.HasSuffix(mediaType, "+xml")
}

// toUTF8 converts a text body to UTF-8. It returns the converted body, the
// canonical name of the source charset and where that name came from. The
// order follows the HTML standard's encoding sniffing: byte order mark, then
// the Content-Type charset, then a <meta> (or XML declaration) near the
// start, then a guess: UTF-8 if the bytes are valid UTF-8, else
// windows-1252 (which the standard uses for labels like ISO-8859-1 too).
// The result is always valid UTF-8; undecodable bytes become U+FFFD.
func toUTF8(body []byte, contentType, mediaType string, truncated bool) (out []byte, name, source string) {
	enc, name, source := detectCharset(body, contentType, mediaType, truncated)
	switch {
	case source == CharsetFromBOM && name == "utf-8":
		body = body[3:]
		out = body
	case name == "utf-8":
		out = body
	default:
		if source == CharsetFromBOM {
			// The UTF-16 decoders consume the mark themselves.
			enc = unicode.UTF16(endianFromBOM(body), unicode.ExpectBOM)
		}
		converted, err := enc.NewDecoder().Bytes(body)
		if err != nil {
			// Decoders replace bad input; an error here means an internal
			// limit. Keep the bytes rather than lose the page.
			converted = body
		}
		out = converted
	}
	if !utf8.Valid(out) {
		out = bytes.ToValidUTF8(out, []byte("\uFFFD"))
	}
	return out, name, source
}

func endianFromBOM(b []byte) unicode.Endianness {
	if bytes.HasPrefix(b, []byte{0xFF, 0xFE}) {
		return unicode.LittleEndian
	}
	return unicode.BigEndian
}

func detectCharset(body []byte, contentType, mediaType string, truncated bool) (encoding.Encoding, string, string) {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		return unicode.UTF8, "utf-8", CharsetFromBOM
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM), "utf-16le", CharsetFromBOM
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM), "utf-16be", CharsetFromBOM
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if enc, name := lookupCharset(params["charset"]); enc != nil {
			return enc, name, CharsetFromHeader
		}
	}
	head := body[:min(len(body), metaScanBytes)]
	if isHTMLType(mediaType) {
		if enc, name := lookupCharset(metaCharset(head)); enc != nil {
			// A <meta> readable as ASCII cannot be UTF-16 (HTML standard).
			if strings.HasPrefix(name, "utf-16") {
				return unicode.UTF8, "utf-8", CharsetFromMeta
			}
			return enc, name, CharsetFromMeta
		}
	}
	if isXMLType(mediaType) || (mediaType == "text/html" && bytes.HasPrefix(head, []byte("<?xml"))) {
		if m := xmlDeclEncoding().FindSubmatch(head); m != nil {
			if enc, name := lookupCharset(string(m[1])); enc != nil {
				return enc, name, CharsetFromXMLDecl
			}
		}
	}
	sample := body
	if truncated {
		// A cut may split a multi-byte character; judge the bytes before it.
		for i := 1; i <= utf8.UTFMax && i <= len(sample); i++ {
			if utf8.RuneStart(sample[len(sample)-i]) {
				if !utf8.FullRune(sample[len(sample)-i:]) {
					sample = sample[:len(sample)-i]
				}
				break
			}
		}
	}
	if utf8.Valid(sample) {
		return unicode.UTF8, "utf-8", CharsetFromHeuristic
	}
	// Not UTF-8 and undeclared: the HTML standard's default for unknown
	// locales, which also decodes ISO-8859-1 text correctly.
	return charmap.Windows1252, "windows-1252", CharsetFromHeuristic
}

// lookupCharset maps a label ("latin1", "Shift_JIS", "cp1251") to its
// encoding and canonical name, as browsers do (WHATWG Encoding standard).
func lookupCharset(label string) (encoding.Encoding, string) {
	label = strings.Trim(strings.TrimSpace(label), `"'`)
	if label == "" {
		return nil, ""
	}
	enc, name := charset.Lookup(label)
	if enc == nil {
		return nil, ""
	}
	if name == "utf-8" {
		return unicode.UTF8, name
	}
	return enc, name
}

// xmlDeclEncoding is compiled on first use: only XML bodies without a
// charset in their Content-Type need it, and package init runs at every
// cold start.
var xmlDeclEncoding = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)
})

// metaCharset finds the charset a document declares in <meta charset> or
// <meta http-equiv="Content-Type" content="...; charset=...">.
func metaCharset(head []byte) string {
	z := html.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			if string(name) != "meta" || !hasAttr {
				continue
			}
			var cs, httpEquiv, content string
			for {
				k, v, more := z.TagAttr()
				switch strings.ToLower(string(k)) {
				case "charset":
					cs = string(v)
				case "http-equiv":
					httpEquiv = strings.ToLower(string(v))
				case "content":
					content = string(v)
				}
				if !more {
					break
				}
			}
			if cs != "" {
				return cs
			}
			if httpEquiv == "content-type" {
				if c := charsetFromContent(content); c != "" {
					return c
				}
			}
		}
	}
}

// charsetFromContent extracts the charset from a meta content attribute,
// following the HTML standard's lenient algorithm ("text/html;charset=x").
func charsetFromContent(s string) string {
	lower := strings.ToLower(s)
	i := strings.Index(lower, "charset")
	if i < 0 {
		return ""
	}
	rest := strings.TrimLeft(s[i+len("charset"):], " \t\n\f\r")
	if !strings.HasPrefix(rest, "=") {
		return ""
	}
	rest = strings.TrimLeft(rest[1:], " \t\n\f\r")
	if rest == "" {
		return ""
	}
	if q := rest[0]; q == '"' || q == '\'' {
		if j := strings.IndexByte(rest[1:], q); j >= 0 {
			return rest[1 : j+1]
		}
		return ""
	}
	if j := strings.IndexAny(rest, " \t\n\f\r;"); j >= 0 {
		return rest[:j]
	}
	return rest
}
