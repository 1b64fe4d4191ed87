package pdf

import (
	"context"
	"io"
	"math"

	pdfread "github.com/ledongthuc/pdf"

	"github.com/riptidecrawler/riptide/shared/core"
)

// glyph is one character placed on the page, in the coordinates of its own
// text direction (dir): x grows along the baseline, y up the page.
type glyph struct {
	s    string
	x, y float64 // origin on the baseline
	w    float64 // advance along the baseline
	size float64 // font size on the page
	dir  int     // 0, 90, 180 or 270: the direction the text runs
}

// matrix is a PDF transformation [a b c d e f].
type matrix [6]float64

var identity = matrix{1, 0, 0, 1, 0, 0}

// mul returns m × n (apply m, then n).
func (m matrix) mul(n matrix) matrix {
	return matrix{
		m[0]*n[0] + m[1]*n[2], m[0]*n[1] + m[1]*n[3],
		m[2]*n[0] + m[3]*n[2], m[2]*n[1] + m[3]*n[3],
		m[4]*n[0] + m[5]*n[2] + n[4], m[4]*n[1] + m[5]*n[3] + n[5],
	}
}

type textState struct {
	ctm, tm, tlm             matrix
	font                     *font
	fs, tc, tw, th, tl, rise float64
}

// Limits of one page's content: nested forms and saved graphics states.
const (
	maxFormDepth  = 8
	maxStateDepth = 256
)

// contentReader interprets one page's content streams and collects its
// glyphs and images.
type contentReader struct {
	ctx    context.Context
	glyphs []glyph
	images int
	fonts  map[string]*font
	budget int64 // decoded content bytes left for this page
	limit  int64 // the page's budget at the start
	ops    int
}

func matrixOf(args []pdfread.Value) (matrix, bool) {
	if len(args) != 6 {
		return matrix{}, false
	}
	var m matrix
	for i := range 6 {
		m[i] = args[i].Float64()
	}
	return m, true
}

// run interprets a content stream (or array of streams) with resources,
// starting from the graphics state st.
func (c *contentReader) run(strm, resources pdfread.Value, st textState, depth int, scope string) {
	if err := c.charge(strm); err != nil {
		panic(err)
	}
	var saved []textState
	pdfread.Interpret(strm, func(stk *pdfread.Stack, op string) {
		n := stk.Len()
		args := make([]pdfread.Value, n)
		for i := n - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		c.ops++
		if c.ops%4096 == 0 {
			abortOnDone(c.ctx)
		}
		num := func(i int) float64 {
			if i < len(args) {
				return args[i].Float64()
			}
			return 0
		}
		switch op {
		case "q":
			if len(saved) < maxStateDepth {
				saved = append(saved, st)
			}
		case "Q":
			if len(saved) > 0 {
				st = saved[len(saved)-1]
				saved = saved[:len(saved)-1]
			}
		case "cm":
			if m, ok := matrixOf(args); ok {
				st.ctm = m.mul(st.ctm)
			}
		case "BT":
			st.tm, st.tlm = identity, identity
		case "Tf":
			if len(args) == 2 {
				st.font = c.font(resources, args[0].Name(), scope)
				st.fs = args[1].Float64()
			}
		case "Tc":
			st.tc = num(0)
		case "Tw":
			st.tw = num(0)
		case "Tz":
			st.th = num(0) / 100
		case "TL":
			st.tl = num(0)
		case "Ts":
			st.rise = num(0)
		case "Td", "TD":
			if len(args) == 2 {
				if op == "TD" {
					st.tl = -num(1)
				}
				st.tlm = matrix{1, 0, 0, 1, num(0), num(1)}.mul(st.tlm)
				st.tm = st.tlm
			}
		case "Tm":
			if m, ok := matrixOf(args); ok {
				st.tm, st.tlm = m, m
			}
		case "T*":
			st.tlm = matrix{1, 0, 0, 1, 0, -st.tl}.mul(st.tlm)
			st.tm = st.tlm
		case "Tj":
			if len(args) == 1 {
				c.show(&st, args[0].RawString())
			}
		case "'", "\"":
			if op == "\"" && len(args) == 3 {
				st.tw, st.tc = num(0), num(1)
				args = args[2:]
			}
			st.tlm = matrix{1, 0, 0, 1, 0, -st.tl}.mul(st.tlm)
			st.tm = st.tlm
			if len(args) == 1 {
				c.show(&st, args[0].RawString())
			}
		case "TJ":
			if len(args) != 1 {
				return
			}
			a := args[0]
			for i := 0; i < a.Len(); i++ {
				x := a.Index(i)
				if x.Kind() == pdfread.String {
					c.show(&st, x.RawString())
					continue
				}
				tx := -x.Float64() / 1000 * st.fs * st.th
				st.tm = matrix{1, 0, 0, 1, tx, 0}.mul(st.tm)
			}
		case "BI":
			c.images++
		case "Do":
			if len(args) != 1 {
				return
			}
			xo := resources.Key("XObject").Key(args[0].Name())
			switch xo.Key("Subtype").Name() {
			case "Image":
				c.images++
			case "Form":
				if depth >= maxFormDepth {
					return
				}
				inner := st
				if m, ok := matrixOf(arrayValues(xo.Key("Matrix"))); ok {
					inner.ctm = m.mul(st.ctm)
				}
				res := xo.Key("Resources")
				if res.Kind() != pdfread.Dict {
					res = resources
				}
				c.run(xo, res, inner, depth+1, scope+"/"+args[0].Name())
			}
		}
	})
}

func arrayValues(v pdfread.Value) []pdfread.Value {
	out := make([]pdfread.Value, v.Len())
	for i := range out {
		out[i] = v.Index(i)
	}
	return out
}

// charge counts a stream's decoded size against the page's budget before
// it is interpreted, so a compression bomb is refused instead of read.
func (c *contentReader) charge(strm pdfread.Value) error {
	parts := []pdfread.Value{strm}
	if strm.Kind() == pdfread.Array {
		parts = arrayValues(strm)
	}
	for _, p := range parts {
		rc := p.Reader()
		n, err := io.Copy(io.Discard, io.LimitReader(rc, c.budget+1))
		rc.Close()
		if err != nil {
			return core.Wrap(core.ErrExtraction, err, "a content stream cannot be decoded")
		}
		c.budget -= n
		if c.budget < 0 {
			return core.Errorf(core.ErrExtraction, "the page's content is larger than %d bytes once decompressed", c.limit)
		}
	}
	return nil
}

func (c *contentReader) font(resources pdfread.Value, name, scope string) *font {
	key := scope + "\x00" + name
	if f, ok := c.fonts[key]; ok {
		return f
	}
	f := newFont(resources.Key("Font").Key(name))
	c.fonts[key] = f
	return f
}

// show places the glyphs of one shown string and advances the text matrix.
func (c *contentReader) show(st *textState, s string) {
	f := st.font
	if f == nil {
		f = &font{enc: identityEncoding{}, scale: 0.001, dw: missingWidth}
		st.font = f
	}
	th := st.th
	f.codes(s, func(code int, raw string) {
		w0 := f.width(code) * f.scale
		trm := matrix{st.fs * th, 0, 0, st.fs, 0, st.rise}.mul(st.tm).mul(st.ctm)
		tx := (w0*st.fs + st.tc) * th
		if len(raw) == 1 && code == 32 {
			tx += st.tw * th
		}
		adv := matrix{1, 0, 0, 1, tx, 0}.mul(st.tm).mul(st.ctm)
		end := matrix{1, 0, 0, 1, 0, 0}.mul(st.tm).mul(st.ctm)
		dx, dy := adv[4]-end[4], adv[5]-end[5]
		st.tm = matrix{1, 0, 0, 1, tx, 0}.mul(st.tm)
		text := f.enc.Decode(raw)
		if text == "" {
			return
		}
		dir := direction(trm[0], trm[1])
		x, y := rotate(trm[4], trm[5], dir)
		size := math.Hypot(trm[2], trm[3])
		if size == 0 {
			size = math.Hypot(trm[0], trm[1])
		}
		c.glyphs = append(c.glyphs, glyph{s: text, x: x, y: y, w: math.Hypot(dx, dy), size: size, dir: dir})
	})
}

// direction rounds the baseline vector (a, b) to a multiple of 90 degrees.
func direction(a, b float64) int {
	deg := math.Atan2(b, a) * 180 / math.Pi
	d := int(math.Round(deg/90)) * 90
	if d < 0 {
		d += 360
	}
	return d % 360
}

// rotate expresses a point in the frame of text running at dir degrees,
// where that text runs along +x.
func rotate(x, y float64, dir int) (float64, float64) {
	switch dir {
	case 90:
		return y, -x
	case 180:
		return -x, -y
	case 270:
		return -y, x
	}
	return x, y
}
