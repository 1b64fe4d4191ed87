package pdf

import (
	pdfread "github.com/ledongthuc/pdf"
)

// font is what placing text needs from a font: how to split a string into
// character codes, each code's text and its advance width.
type font struct {
	enc pdfread.TextEncoding
	// twoByte: a composite (Type0) font, whose codes are two bytes (the
	// Identity CMaps every PDF printer writes).
	twoByte bool
	first   int
	widths  []float64       // simple fonts: widths from FirstChar
	cid     map[int]float64 // composite fonts: the W array
	dw      float64         // width of a code with none given
	scale   float64         // glyph space to text space (1/1000, or a Type3 FontMatrix)
}

// missingWidth is the advance of a glyph whose font gives none (the
// standard 14 fonts are often written without Widths): half an em, about
// the average of Latin text.
const missingWidth = 500

func newFont(v pdfread.Value) *font {
	f := &font{scale: 0.001, dw: missingWidth}
	pf := &pdfread.Font{V: v}
	f.enc = pf.Encoder()
	if f.enc == nil {
		f.enc = identityEncoding{}
	}
	switch v.Key("Subtype").Name() {
	case "Type0":
		f.twoByte = true
		f.dw = 1000
		d := v.Key("DescendantFonts").Index(0)
		if dw := d.Key("DW"); dw.Kind() == pdfread.Integer || dw.Kind() == pdfread.Real {
			f.dw = dw.Float64()
		}
		f.cid = cidWidths(d.Key("W"))
	case "Type3":
		if m := v.Key("FontMatrix"); m.Len() == 6 && m.Index(0).Float64() != 0 {
			f.scale = abs(m.Index(0).Float64())
		}
		fallthrough
	default:
		f.first = int(v.Key("FirstChar").Int64())
		w := v.Key("Widths")
		for i := 0; i < w.Len() && i < 256; i++ {
			f.widths = append(f.widths, w.Index(i).Float64())
		}
		if mw := v.Key("FontDescriptor").Key("MissingWidth").Float64(); mw > 0 {
			f.dw = mw
		}
	}
	return f
}

// cidWidths reads a W array: "c [w1 w2 ...]" gives widths from c on,
// "cfirst clast w" one width for a range.
func cidWidths(w pdfread.Value) map[int]float64 {
	out := map[int]float64{}
	for i := 0; i < w.Len() && len(out) < 1<<16; {
		first := int(w.Index(i).Int64())
		next := w.Index(i + 1)
		if next.Kind() == pdfread.Array {
			for j := 0; j < next.Len() && len(out) < 1<<16; j++ {
				out[first+j] = next.Index(j).Float64()
			}
			i += 2
			continue
		}
		last := int(next.Int64())
		width := w.Index(i + 2).Float64()
		for c := first; c <= last && c-first < 1<<16 && len(out) < 1<<16; c++ {
			out[c] = width
		}
		i += 3
	}
	return out
}

// width returns the advance of code in glyph space (thousandths of an em).
func (f *font) width(code int) float64 {
	if f.cid != nil || f.twoByte {
		if w, ok := f.cid[code]; ok {
			return w
		}
		return f.dw
	}
	if i := code - f.first; i >= 0 && i < len(f.widths) && f.widths[i] > 0 {
		return f.widths[i]
	}
	return f.dw
}

// codes splits a shown string into character codes.
func (f *font) codes(s string, each func(code int, raw string)) {
	if f.twoByte {
		for i := 0; i+1 < len(s); i += 2 {
			each(int(s[i])<<8|int(s[i+1]), s[i:i+2])
		}
		return
	}
	for i := 0; i < len(s); i++ {
		each(int(s[i]), s[i:i+1])
	}
}

// identityEncoding reads codes as Latin-1, the last resort.
type identityEncoding struct{}

func (identityEncoding) Decode(raw string) string {
	r := make([]rune, len(raw))
	for i := range len(raw) {
		r[i] = rune(raw[i])
	}
	return string(r)
}
