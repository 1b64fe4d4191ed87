package tables

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
)

// WriteCSV writes the table as RFC 4180 CSV (encoding/csv: fields with
// commas, quotes or line breaks are quoted, quotes doubled, CRLF line
// ends), the header row first when withHeader.
func WriteCSV(w io.Writer, t *Table, withHeader bool) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if withHeader {
		if err := cw.Write(t.Headers); err != nil {
			return err
		}
	}
	for _, r := range t.Rows {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// Markdown renders the table as a GFM table: the header names as its
// header row, pipes escaped and line breaks as <br> inside cells.
func Markdown(t *Table) string {
	var b strings.Builder
	if t.Caption != "" {
		b.WriteString("**" + mdCell(t.Caption) + "**\n\n")
	}
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdCell(c) + " |")
		}
		b.WriteString("\n")
	}
	row(t.Headers)
	b.WriteString("|" + strings.Repeat(" --- |", len(t.Headers)) + "\n")
	for _, r := range t.Rows {
		row(r)
	}
	return b.String()
}

var mdEscaper = strings.NewReplacer("|", `\|`, "\n", "<br>", "\r", "")

func mdCell(s string) string { return mdEscaper.Replace(s) }

// RecordJSON is one body row as a JSON object keyed by header name, in
// column order, with values typed by their column (see Typed).
func RecordJSON(t *Table, row []string) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for c, name := range t.Headers {
		if c > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		var v any
		if c < len(row) {
			v = Typed(row[c], t.Columns[c].Type)
		}
		enc, _ := json.Marshal(v)
		b.Write(enc)
	}
	b.WriteByte('}')
	return b.Bytes()
}
