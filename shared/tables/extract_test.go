package tables

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/extract"
)

func fixture(t testing.TB, name string) *Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	res, err := FromHTML(context.Background(), b, "http://127.0.0.1/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSpansExpandIntoARectangularGrid(t *testing.T) {
	res := fixture(t, "spans.html")
	if len(res.Tables) != 1 {
		t.Fatalf("%d tables", len(res.Tables))
	}
	tb := res.Tables[0]
	if tb.Caption != "Ferry timetable, summer" || tb.HTMLID != "timetable" || !reflect.DeepEqual(tb.Classes, []string{"data", "wide"}) {
		t.Errorf("caption/id/classes: %q %q %v", tb.Caption, tb.HTMLID, tb.Classes)
	}
	if tb.HeaderRows != 2 || tb.HeaderSource != "thead" {
		t.Errorf("header rows %d from %s", tb.HeaderRows, tb.HeaderSource)
	}
	wantHeaders := []string{"Route", "Weekdays / First", "Weekdays / Last", "Fare"}
	if !reflect.DeepEqual(tb.Headers, wantHeaders) {
		t.Errorf("headers %q, want %q", tb.Headers, wantHeaders)
	}
	wantRows := [][]string{
		{"Harbour – Island", "06:10", "22:40", "$4.50"},
		{"Harbour – Island", "every 20 minutes", "every 20 minutes", "$4.50"},
		{"Island – Point", "07:00", "21:00", "-"},
		{`Night "owl", late`, "on request, call ahead", "on request, call ahead", "$9"},
	}
	if !reflect.DeepEqual(tb.Rows, wantRows) {
		t.Errorf("rows:\n%q\nwant\n%q", tb.Rows, wantRows)
	}
	wantSpans := []Span{{0, 0, 2, 1}, {0, 1, 1, 2}, {0, 3, 2, 1}, {2, 0, 2, 1}, {3, 1, 1, 2}, {5, 1, 1, 2}}
	if !reflect.DeepEqual(tb.Spans, wantSpans) {
		t.Errorf("spans %v, want %v", tb.Spans, wantSpans)
	}
	// Fare: "$4.50" twice, "$9" and a placeholder: a number column.
	types := []ColumnType{TypeString, TypeString, TypeString, TypeNumber}
	for i, c := range tb.Columns {
		if c.Type != types[i] || c.Name != wantHeaders[i] {
			t.Errorf("column %d: %+v, want %s", i, c, types[i])
		}
	}
}

func TestNestedTablesAreTablesOfTheirOwn(t *testing.T) {
	res := fixture(t, "nested.html")
	// The outer one-cell table is layout; stations holds north and south.
	if len(res.Tables) != 3 || res.Skipped.SingleCell != 1 {
		t.Fatalf("%d tables, skipped %+v", len(res.Tables), res.Skipped)
	}
	st, north, south := res.Tables[0], res.Tables[1], res.Tables[2]
	if st.HTMLID != "stations" || north.HTMLID != "north" || south.HTMLID != "south" {
		t.Fatalf("order: %s %s %s", st.HTMLID, north.HTMLID, south.HTMLID)
	}
	if st.ParentIndex != nil || north.ParentIndex == nil || *north.ParentIndex != 0 || south.ParentIndex == nil || *south.ParentIndex != 0 {
		t.Errorf("parents: %v %v %v", st.ParentIndex, north.ParentIndex, south.ParentIndex)
	}
	wantNested := []NestedRef{{Row: 1, Col: 1, TableIndex: 1}, {Row: 2, Col: 1, TableIndex: 2}}
	if !reflect.DeepEqual(st.Nested, wantNested) {
		t.Errorf("nested refs %v, want %v", st.Nested, wantNested)
	}
	// The parent's cell does not repeat the nested table's text.
	wantRows := [][]string{{"North pier", "", "yes"}, {"South pier", "", "no"}}
	if st.HeaderSource != "th" || !reflect.DeepEqual(st.Rows, wantRows) || st.Columns[2].Type != TypeBoolean {
		t.Errorf("stations: %s %q %+v", st.HeaderSource, st.Rows, st.Columns)
	}
	if !reflect.DeepEqual(north.Rows, [][]string{{"2024-03-01", "1,204.5"}, {"2024-03-02", "1,198"}}) ||
		north.Columns[0].Type != TypeDate || north.Columns[1].Type != TypeNumber || south.Columns[1].Type != TypeNumber {
		t.Errorf("north %q %+v south %+v", north.Rows, north.Columns, south.Columns)
	}
}

func TestLayoutTablesAreSkipped(t *testing.T) {
	res := fixture(t, "layout.html")
	want := Skipped{Presentation: 1, SingleCell: 1, Navigation: 1, Empty: 1}
	if res.Skipped != want || len(res.Tables) != 2 {
		t.Fatalf("skipped %+v, %d tables", res.Skipped, len(res.Tables))
	}
	plain := res.Tables[0]
	// No th, no thead: the first row is labels over typed columns.
	if plain.HeaderSource != "first_row" || !reflect.DeepEqual(plain.Headers, []string{"City", "Population", "Founded", "Capital"}) {
		t.Errorf("plain headers %s %q", plain.HeaderSource, plain.Headers)
	}
	types := []ColumnType{TypeString, TypeNumber, TypeNumber, TypeBoolean}
	for i, c := range plain.Columns {
		if c.Type != types[i] {
			t.Errorf("plain column %d: %s, want %s", i, c.Type, types[i])
		}
	}
	// All strings: nothing says the first row is a header.
	nh := res.Tables[1]
	if nh.HeaderSource != "none" || !reflect.DeepEqual(nh.Headers, []string{"column_1", "column_2"}) || len(nh.Rows) != 2 {
		t.Errorf("noheader: %s %q %q", nh.HeaderSource, nh.Headers, nh.Rows)
	}
}

func TestExportsQuoteAndType(t *testing.T) {
	tb := fixture(t, "spans.html").Tables[0]
	var buf bytes.Buffer
	if err := WriteCSV(&buf, &tb, true); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "\"Night \"\"owl\"\", late\",") || !strings.HasSuffix(buf.String(), "\r\n") {
		t.Errorf("csv quoting:\n%s", buf.String())
	}
	// encoding/csv reads back exactly the grid.
	back, err := csv.NewReader(&buf).ReadAll()
	if err != nil || !reflect.DeepEqual(back[0], tb.Headers) || !reflect.DeepEqual(back[1:], tb.Rows) {
		t.Errorf("round trip: %v %q", err, back)
	}
	md := Markdown(&tb)
	if !strings.Contains(md, "| Route | Weekdays / First | Weekdays / Last | Fare |\n| --- | --- | --- | --- |\n") {
		t.Errorf("markdown:\n%s", md)
	}
	rec := string(RecordJSON(&tb, tb.Rows[2]))
	if rec != `{"Route":"Island – Point","Weekdays / First":"07:00","Weekdays / Last":"21:00","Fare":null}` {
		t.Errorf("record %s", rec)
	}
	if rec := string(RecordJSON(&tb, tb.Rows[0])); !strings.HasSuffix(rec, `"Fare":4.5}`) {
		t.Errorf("typed number: %s", rec)
	}
}

func TestValueParsers(t *testing.T) {
	for v, want := range map[string]float64{"1,234.5": 1234.5, "-3%": -3, "$12": 12, "12 €": 12, "0": 0, "−7": -7, "1 000": 1000} {
		if got, ok := ParseNumber(v); !ok || got != want {
			t.Errorf("ParseNumber(%q) = %v %v", v, got, ok)
		}
	}
	for _, v := range []string{"1,23", "12a", "1.2.3", "", "--1", "2024-03-01"} {
		if _, ok := ParseNumber(v); ok {
			t.Errorf("ParseNumber(%q) accepted", v)
		}
	}
	for _, v := range []string{"2024-03-01", "5 March 2024", "Mar 5, 2024", "03/05/2024", "05.03.2024", "2024-03-05T10:00:00Z"} {
		if _, ok := ParseDate(v); !ok {
			t.Errorf("ParseDate(%q) refused", v)
		}
	}
	if _, ok := ParseBool("1"); ok {
		t.Error("1 is a number, not a boolean")
	}
}

func benchPages(b *testing.B) [][]byte {
	var pages [][]byte
	for _, n := range []string{"spans.html", "nested.html", "layout.html"} {
		p, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			b.Fatal(err)
		}
		pages = append(pages, p)
	}
	return pages
}

// BenchmarkTablesOnParsedPage is the cost of the tables engine on a page
// the extractor has parsed already (what the handler does after Parse);
// BenchmarkParseOnly, the parse itself, is its peer in the same run.
func BenchmarkTablesOnParsedPage(b *testing.B) {
	var parsed []*extract.Page
	for _, p := range benchPages(b) {
		pg, err := extract.Parse(context.Background(), p, "", 0)
		if err != nil {
			b.Fatal(err)
		}
		parsed = append(parsed, pg)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, pg := range parsed {
			if _, err := Extract(context.Background(), pg.Node()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkParseOnly(b *testing.B) {
	pages := benchPages(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range pages {
			if _, err := extract.Parse(context.Background(), p, "", 0); err != nil {
				b.Fatal(err)
			}
		}
	}
}
