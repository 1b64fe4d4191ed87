// Command gen writes the hand-built PDFs of the test corpus (make
// pdf-corpus runs it after printing the HTML fixtures with Chromium). Each
// file is written object by object with an exact cross-reference table, so
// it exercises one thing: interleaved columns, rotation, a page with no
// text layer, rich metadata, and damaged copies of a Chromium PDF.
package main

import (
	"bytes"
	"compress/zlib"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	dir := flag.String("dir", ".", "corpus folder (reads article.pdf there for the damaged copies)")
	flag.Parse()
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(*dir, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
	write("two-columns.pdf", twoColumns())
	write("rotated.pdf", rotated())
	write("scanned.pdf", scanned())
	write("metadata.pdf", metadata())
	article, err := os.ReadFile(filepath.Join(*dir, "article.pdf"))
	if err != nil {
		log.Fatal(err)
	}
	write("truncated.pdf", article[:len(article)*6/10])
	write("corrupt.pdf", corrupt(article))
}

// pdfWriter numbers objects from 1 and writes the xref table at the end.
type pdfWriter struct {
	header string
	objs   []string
}

func (w *pdfWriter) add(body string) int {
	w.objs = append(w.objs, body)
	return len(w.objs)
}

func (w *pdfWriter) set(n int, body string) { w.objs[n-1] = body }

func (w *pdfWriter) stream(dict, data string) int {
	return w.add(fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(data), data))
}

func (w *pdfWriter) bytes(root, info int) []byte {
	var b bytes.Buffer
	if w.header == "" {
		w.header = "%PDF-1.4"
	}
	b.WriteString(w.header + "\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(w.objs))
	for i, o := range w.objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(w.objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	trailer := fmt.Sprintf("/Size %d /Root %d 0 R", len(w.objs)+1, root)
	if info > 0 {
		trailer += fmt.Sprintf(" /Info %d 0 R", info)
	}
	fmt.Fprintf(&b, "trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n", trailer, xref)
	return b.Bytes()
}

// helvetica is a standard font with its real widths for the printable
// ASCII range (Adobe's AFM), so word gaps are where a viewer draws them.
func helvetica(w *pdfWriter) int {
	widths := "278 278 355 556 556 889 667 191 333 333 389 584 278 333 278 278 556 556 556 556 556 556 556 556 556 556 278 278 584 584 584 556 1015 667 667 722 722 667 611 778 722 278 500 667 556 833 722 778 667 778 722 667 611 722 667 944 667 667 611 278 278 278 469 556 333 556 556 500 556 556 278 556 556 222 222 500 222 833 556 556 556 556 333 500 278 556 500 722 500 500 500 334 260 334 584"
	return w.add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding /FirstChar 32 /LastChar 126 /Widths [" + widths + "] >>")
}

func pages(w *pdfWriter, kids []int, extra string) int {
	var refs []string
	for _, k := range kids {
		refs = append(refs, fmt.Sprintf("%d 0 R", k))
	}
	return w.add(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d %s >>", strings.Join(refs, " "), len(kids), extra))
}

func text(x, y, size float64, s string) string {
	return fmt.Sprintf("BT /F1 %g Tf %g %g Td (%s) Tj ET\n", size, x, y, s)
}

// twoColumns draws a two-column page line by line across both columns
// (left line 1, right line 1, left line 2, ...), the order many
// typesetters use; reading order must still be the left column, then the
// right one.
var leftColumn = []string{
	"The left column opens with a note",
	"on harbour dues, which are paid",
	"by every vessel that ties up at",
	"the quay for more than one night.",
}

var rightColumn = []string{
	"The right column turns to pilots,",
	"who board ships outside the bar",
	"and steer them through the channel",
	"to a berth chosen by the harbour.",
}

func twoColumns() []byte {
	w := &pdfWriter{}
	catalog := w.add("")
	pagesObj := w.add("")
	font := helvetica(w)
	var c strings.Builder
	c.WriteString(text(72, 740, 18, "Harbour Gazette"))
	for i := range leftColumn {
		y := 700 - float64(i)*16
		c.WriteString(text(72, y, 11, leftColumn[i]))
		c.WriteString(text(320, y, 11, rightColumn[i]))
	}
	content := w.stream("", c.String())
	page := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, font, content))
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	w.set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return w.bytes(catalog, 0)
}

// rotated has a page turned by /Rotate 90 (text in the page's own
// coordinates) and a page whose text runs upwards (a rotated text matrix).
func rotated() []byte {
	w := &pdfWriter{}
	catalog := w.add("")
	pagesObj := w.add("")
	font := helvetica(w)
	res := fmt.Sprintf("/Resources << /Font << /F1 %d 0 R >> >>", font)
	c1 := w.stream("", text(72, 700, 14, "This landscape page is turned by its Rotate entry.")+text(72, 680, 14, "Its text is still read in the page's own coordinates."))
	p1 := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Rotate 90 %s /Contents %d 0 R >>", pagesObj, res, c1))
	c2 := w.stream("", "BT /F1 14 Tf 0 1 -1 0 300 100 Tm (This sentence runs up the page, rotated by ninety degrees.) Tj ET\n"+
		"BT /F1 14 Tf 0 1 -1 0 320 100 Tm (A second rotated line follows it to the right.) Tj ET\n")
	p2 := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] %s /Contents %d 0 R >>", pagesObj, res, c2))
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	w.set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", p1, p2))
	return w.bytes(catalog, 0)
}

// scanned has one page that only draws an image: no text layer.
func scanned() []byte {
	w := &pdfWriter{}
	catalog := w.add("")
	pagesObj := w.add("")
	var pix bytes.Buffer
	zw := zlib.NewWriter(&pix)
	for y := range 64 {
		for x := range 64 {
			v := byte(255)
			if (x/8+y/8)%2 == 0 {
				v = 40
			}
			zw.Write([]byte{v})
		}
	}
	zw.Close()
	img := w.add(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream", pix.Len(), pix.String()))
	content := w.stream("", "q 400 0 0 400 100 300 cm /Im1 Do Q\n")
	page := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /Im1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, img, content))
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", pagesObj))
	w.set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return w.bytes(catalog, 0)
}

// metadata is a PDF 2.0 file with an Info dictionary (a UTF-16 title, a
// custom key), an XMP packet and a two-level outline; its text is drawn
// through a form XObject.
func metadata() []byte {
	w := &pdfWriter{header: "%PDF-2.0"}
	catalog := w.add("")
	pagesObj := w.add("")
	font := helvetica(w)
	form := w.stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 %d 0 R >> >>", font),
		text(72, 700, 12, "Text drawn inside a form XObject is text too."))
	content := w.stream("", "q /Fm1 Do Q\n")
	page := w.add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Fm1 %d 0 R >> >> /Contents %d 0 R >>", pagesObj, form, content))
	xmp := `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmp:CreatorTool="corpus generator">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Survey of Breakwaters</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>Ada Tester</rdf:li><rdf:li>Bo Example</rdf:li></rdf:Seq></dc:creator>
<dc:subject><rdf:Bag><rdf:li>coast</rdf:li><rdf:li>engineering</rdf:li></rdf:Bag></dc:subject>
<xmp:CreateDate>2024-03-05T10:20:30+01:00</xmp:CreateDate>
<pdf:Producer>hand-written</pdf:Producer>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`
	meta := w.stream("/Type /Metadata /Subtype /XML", xmp)
	outlines := w.add("")
	o1 := w.add("")
	o11 := w.add("")
	o2 := w.add("")
	w.set(outlines, fmt.Sprintf("<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count 3 >>", o1, o2))
	w.set(o1, fmt.Sprintf("<< /Title (Introduction) /Parent %d 0 R /Next %d 0 R /First %d 0 R /Last %d 0 R /Count 1 /Dest [%d 0 R /Fit] >>", outlines, o2, o11, o11, page))
	w.set(o11, fmt.Sprintf("<< /Title (Scope of the survey) /Parent %d 0 R /Dest [%d 0 R /Fit] >>", o1, page))
	w.set(o2, fmt.Sprintf("<< /Title (Findings) /Parent %d 0 R /Prev %d 0 R /Dest [%d 0 R /Fit] >>", outlines, o1, page))
	// "Brise-lames – étude" in UTF-16BE with a byte order mark.
	title := "<FEFF" + utf16Hex("Brise-lames – étude") + ">"
	info := w.add("<< /Title " + title + " /Author (Ada Tester) /Subject (Breakwaters) /Keywords (coast, survey) /Creator (gen) /Producer (riptide corpus) /CreationDate (D:20240305102030+01'00') /ModDate (D:20240306) /Department (Coastal Works) >>")
	w.set(catalog, fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /Metadata %d 0 R /Outlines %d 0 R /Lang (fr-FR) /MarkInfo << /Marked true >> >>", pagesObj, meta, outlines))
	w.set(pagesObj, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", page))
	return w.bytes(catalog, info)
}

func utf16Hex(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// corrupt overwrites the cross-reference section of a good file and points
// startxref at it: every object offset is garbage.
func corrupt(good []byte) []byte {
	bad := bytes.Clone(good)
	i := bytes.LastIndex(bad, []byte("startxref")) - 1 // keep the line break before it
	start := max(0, i-400)
	for j := start; j < i; j++ {
		bad[j] = "#@!?"[j%4]
	}
	return bad
}
