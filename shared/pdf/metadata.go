package pdf

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	pdfread "github.com/ledongthuc/pdf"
)

// maxXMPBytes bounds the XMP packet read (real ones are a few KiB).
const maxXMPBytes = 1 << 20

// readMetadata reads the Info dictionary, the XMP packet and the catalog
// flags. XMP fills what Info leaves empty (PDF 2.0 deprecates Info).
func readMetadata(r *pdfread.Reader, root pdfread.Value, version string) Metadata {
	m := Metadata{PDFVersion: version}
	if v := root.Key("Version").Name(); v > m.PDFVersion {
		m.PDFVersion = v // the catalog may raise the header's version
	}
	trailer := r.Trailer()
	m.Encrypted = trailer.Key("Encrypt").Kind() == pdfread.Dict
	m.Tagged = root.Key("MarkInfo").Key("Marked").Bool()
	m.Language = cleanText(root.Key("Lang").Text())
	info := trailer.Key("Info")
	for _, k := range info.Keys() {
		v := info.Key(k)
		if v.Kind() != pdfread.String {
			continue
		}
		s := cleanText(v.Text())
		if s == "" {
			continue
		}
		switch k {
		case "Title":
			m.Title = s
		case "Author":
			m.Author = s
		case "Subject":
			m.Subject = s
		case "Keywords":
			m.Keywords = s
		case "Creator":
			m.Creator = s
		case "Producer":
			m.Producer = s
		case "CreationDate":
			m.CreatedAt = parseDate(s)
		case "ModDate":
			m.ModifiedAt = parseDate(s)
		default:
			if m.Info == nil {
				m.Info = map[string]string{}
			}
			if len(m.Info) < 64 {
				m.Info[k] = truncate(s, 1024)
			}
		}
	}
	if x := root.Key("Metadata"); x.Kind() == pdfread.Stream {
		rc := x.Reader()
		data, err := io.ReadAll(io.LimitReader(rc, maxXMPBytes))
		rc.Close()
		if err == nil {
			m.XMP = parseXMP(data)
		}
	}
	fill := func(dst *string, keys ...string) {
		for _, k := range keys {
			if *dst == "" {
				*dst = m.XMP[k]
			}
		}
	}
	fill(&m.Title, "dc:title")
	fill(&m.Author, "dc:creator")
	fill(&m.Subject, "dc:description")
	fill(&m.Keywords, "pdf:Keywords", "dc:subject")
	fill(&m.Creator, "xmp:CreatorTool")
	fill(&m.Producer, "pdf:Producer")
	if m.CreatedAt == nil {
		m.CreatedAt = parseXMPDate(m.XMP["xmp:CreateDate"])
	}
	if m.ModifiedAt == nil {
		m.ModifiedAt = parseXMPDate(m.XMP["xmp:ModifyDate"])
	}
	return m
}

// parseXMP collects the simple properties of an XMP packet: elements with
// text (rdf:li items of a list are joined) and rdf:Description
// attributes, by prefixed name.
func parseXMP(data []byte) map[string]string {
	out := map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = false
	prefixes := map[string]string{} // namespace URI -> prefix as written
	var stack []string
	var text strings.Builder
	name := func(n xml.Name) string {
		if p, ok := prefixes[n.Space]; ok {
			return p + ":" + n.Local
		}
		return n.Local
	}
	add := func(k, v string) {
		v = cleanText(v)
		if v == "" || len(out) >= 128 || strings.HasPrefix(k, "rdf:") || strings.HasPrefix(k, "x:") || strings.HasPrefix(k, "xmlns") {
			return
		}
		if old, ok := out[k]; ok && old != v {
			if len(old) < 4096 {
				out[k] = old + "; " + v
			}
			return
		}
		out[k] = truncate(v, 4096)
	}
	for range 100_000 {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" {
					prefixes[a.Value] = a.Name.Local
				}
			}
			n := name(t.Name)
			if n == "rdf:Description" {
				for _, a := range t.Attr {
					if a.Name.Space != "xmlns" && a.Name.Space != "" {
						add(name(a.Name), a.Value)
					}
				}
			}
			stack = append(stack, n)
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n == "rdf:li" {
				// A list item belongs to the property that holds the list.
				for i := len(stack) - 1; i >= 0; i-- {
					if !strings.HasPrefix(stack[i], "rdf:") {
						add(stack[i], text.String())
						break
					}
				}
			} else {
				add(n, text.String())
			}
			text.Reset()
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// pdfDate is compiled on first use: package init stays free (cold start).
var pdfDate = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(Z|[+-]\d{2}'?\d{2}'?|[+-]\d{2})?`)
})

// parseDate reads a PDF date "D:YYYYMMDDHHmmSSOHH'mm'" (every part after
// the year optional) as UTC.
func parseDate(s string) *time.Time {
	m := pdfDate().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return nil
	}
	n := func(i, def int) int {
		if m[i] == "" {
			return def
		}
		v, _ := strconv.Atoi(m[i])
		return v
	}
	offset := 0
	if z := strings.ReplaceAll(m[7], "'", ""); len(z) >= 3 && z != "Z" {
		h, _ := strconv.Atoi(z[1:3])
		mins := 0
		if len(z) >= 5 {
			mins, _ = strconv.Atoi(z[3:5])
		}
		offset = h*3600 + mins*60
		if z[0] == '-' {
			offset = -offset
		}
	}
	month, day := n(2, 1), n(3, 1)
	if month < 1 || month > 12 || day < 1 || day > 31 {
		return nil
	}
	t := time.Date(n(1, 0), time.Month(month), day, n(4, 0), n(5, 0), n(6, 0), 0, time.FixedZone("", offset)).UTC()
	return &t
}

// parseXMPDate reads an XMP (ISO 8601) date.
func parseXMPDate(s string) *time.Time {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02", "2006-01", "2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// cleanText trims a metadata string and drops control characters.
func cleanText(s string) string {
	return strings.TrimSpace(normalizeText(strings.ReplaceAll(s, "\n", " ")))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8ValidEnd(s) {
		s = s[:len(s)-1]
	}
	return s
}

func utf8ValidEnd(s string) bool {
	r, size := utf8.DecodeLastRuneInString(s)
	return !(r == utf8.RuneError && size <= 1)
}
