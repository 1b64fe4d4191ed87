package pdf

import (
	pdfread "github.com/ledongthuc/pdf"
)

// maxTreeDepth bounds the page tree and the Parent chain: a damaged file
// can make either a cycle, which the parser would follow forever.
const maxTreeDepth = 64

// collectPages lists the page objects in order, depth first, stopping at
// limit pages. (The parser's own Page(n) walks the tree from the root for
// every page and loops on a cyclic tree.)
func collectPages(node pdfread.Value, limit int) []pdfread.Value {
	var out []pdfread.Value
	var walk func(n pdfread.Value, depth int)
	walk = func(n pdfread.Value, depth int) {
		if len(out) >= limit || depth > maxTreeDepth || n.Kind() != pdfread.Dict {
			return
		}
		kids := n.Key("Kids")
		if n.Key("Type").Name() == "Page" || (kids.Kind() != pdfread.Array && n.Key("Contents").Kind() != pdfread.Null) {
			out = append(out, n)
			return
		}
		for i := 0; i < kids.Len() && len(out) < limit; i++ {
			walk(kids.Index(i), depth+1)
		}
	}
	walk(node, 0)
	return out
}

// inherited returns a page attribute, looking up the Parent chain for the
// inheritable ones (Resources, MediaBox, CropBox, Rotate).
func inherited(page pdfread.Value, key string) pdfread.Value {
	v := page
	for range maxTreeDepth {
		if v.Kind() != pdfread.Dict {
			return pdfread.Value{}
		}
		if r := v.Key(key); !r.IsNull() {
			return r
		}
		v = v.Key("Parent")
	}
	return pdfread.Value{}
}

// pageBox returns the page's width and height in points.
func pageBox(page pdfread.Value) (w, h float64) {
	box := inherited(page, "CropBox")
	if box.Len() != 4 {
		box = inherited(page, "MediaBox")
	}
	if box.Len() != 4 {
		return 612, 792 // US Letter, the usual default
	}
	w = box.Index(2).Float64() - box.Index(0).Float64()
	h = box.Index(3).Float64() - box.Index(1).Float64()
	return abs(w), abs(h)
}

// pageRotation returns /Rotate normalised to 0, 90, 180 or 270.
func pageRotation(page pdfread.Value) int {
	r := int(inherited(page, "Rotate").Int64()) % 360
	if r < 0 {
		r += 360
	}
	return r / 90 * 90
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
