package tables

import (
	"context"
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/extract"
)

// Limits of one page.
const (
	// MaxTables bounds the data tables returned for one page.
	MaxTables = 500
	// MaxCells bounds one table's grid (hostile colspan/rowspan).
	MaxCells = extract.MaxGridCells
	// maxTableDepth bounds nesting; deeper tables are read as cell text.
	maxTableDepth = 16
)

// FromHTML parses a page and extracts its tables; callers that already
// hold the extractor's parse use Extract on Page.Node instead.
func FromHTML(ctx context.Context, body []byte, pageURL string) (*Result, error) {
	page, err := extract.Parse(ctx, body, pageURL, 0)
	if err != nil {
		return nil, err
	}
	return Extract(ctx, page.Node())
}

// Extract finds the data tables under root (a parsed document).
func Extract(ctx context.Context, root *html.Node) (*Result, error) {
	x := &extractor{res: &Result{Tables: []Table{}}, index: map[*html.Node]int{}, pending: map[*html.Node]NestedRef{}}
	var walk func(n *html.Node, depth int) error
	walk = func(n *html.Node, depth int) error {
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Template, atom.Noscript:
				return nil
			case atom.Table:
				if err := ctx.Err(); err != nil {
					return core.Wrap(core.ErrTimeout, err, "table extraction ran out of time")
				}
				if depth >= maxTableDepth {
					return nil
				}
				x.table(n)
				depth++
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if err := walk(c, depth); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, 0); err != nil {
		return nil, err
	}
	return x.res, nil
}

type extractor struct {
	res   *Result
	index map[*html.Node]int // kept table element -> its index
	// pending: a table found in a kept table's cell -> where it sits
	pending map[*html.Node]NestedRef
}

// cell is one td/th as written.
type cell struct {
	n      *html.Node
	header bool
	text   string
	nested []*html.Node // tables directly inside the cell
	link   bool         // the cell's text is all inside one link
}

// table reads one <table> (not its nested tables: they are read on their
// own, after it).
func (x *extractor) table(n *html.Node) {
	if len(x.res.Tables) >= MaxTables {
		return
	}
	switch strings.ToLower(strings.TrimSpace(attr(n, "role"))) {
	case "presentation", "none":
		x.res.Skipped.Presentation++
		return
	}
	rows, headRows := rowsOf(n)
	var grid [][]extract.GridCell[*cell]
	for _, r := range rows {
		var cells []extract.GridCell[*cell]
		for _, td := range r {
			c := readCell(td)
			cells = append(cells, extract.GridCell[*cell]{Value: c, ColSpan: extract.SpanAttr(attr(td, "colspan")), RowSpan: extract.SpanAttr(attr(td, "rowspan"))})
		}
		grid = append(grid, cells)
	}
	slots := extract.LayoutGrid(grid, MaxCells)
	width := 0
	if len(slots) > 0 {
		width = len(slots[0])
	}
	if len(slots) < 2 || width < 2 {
		x.res.Skipped.SingleCell++
		return
	}
	t := Table{Caption: caption(n), HTMLID: strings.TrimSpace(attr(n, "id")), Classes: strings.Fields(attr(n, "class"))}
	links, texts := 0, 0
	full := make([][]string, len(slots))
	for r, row := range slots {
		full[r] = make([]string, width)
		for c, s := range row {
			if !s.Filled {
				continue
			}
			full[r][c] = s.Value.text
			if s.Row != r || s.Col != c {
				continue // covered by a span: counted at its origin
			}
			if s.Value.text != "" {
				texts++
				if s.Value.link {
					links++
				}
			}
			for _, nt := range s.Value.nested {
				x.pending[nt] = NestedRef{Row: r, Col: c}
			}
		}
	}
	t.Truncated = len(slots)*width >= MaxCells
	if texts == 0 && len(t.Nested) == 0 {
		x.res.Skipped.Empty++
		return
	}
	// A table whose cells are mostly bare links is a menu laid out as a grid.
	if texts >= 2 && float64(links) >= 0.7*float64(texts) {
		x.res.Skipped.Navigation++
		return
	}
	t.Spans = spans(slots)
	t.HeaderRows, t.HeaderSource = headerRows(slots, headRows)
	t.Headers = headerNames(full[:t.HeaderRows], width)
	t.Rows = full[t.HeaderRows:]
	t.Columns = make([]Column, width)
	for c := range width {
		t.Columns[c] = Column{Name: t.Headers[c], Type: columnType(t.Rows, c)}
	}
	t.Index = len(x.res.Tables)
	if ref, ok := x.pending[n]; ok {
		if i, kept := x.index[parentTable(n)]; kept {
			t.ParentIndex = &i
			ref.TableIndex = t.Index
			x.res.Tables[i].Nested = append(x.res.Tables[i].Nested, ref)
		}
	}
	x.index[n] = t.Index
	x.res.Tables = append(x.res.Tables, t)
}

// parentTable is the nearest enclosing <table>.
func parentTable(n *html.Node) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && p.DataAtom == atom.Table {
			return p
		}
	}
	return nil
}

// rowsOf returns the table's rows (td/th elements), looking through
// thead, tbody and tfoot but not into nested tables, and how many leading
// rows come from a thead.
func rowsOf(table *html.Node) (rows [][]*html.Node, headRows int) {
	var walk func(n *html.Node, inHead bool)
	leading := true
	walk = func(n *html.Node, inHead bool) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Thead:
				walk(c, true)
			case atom.Tbody, atom.Tfoot:
				walk(c, false)
			case atom.Tr:
				var row []*html.Node
				for td := c.FirstChild; td != nil; td = td.NextSibling {
					if td.Type == html.ElementNode && (td.DataAtom == atom.Td || td.DataAtom == atom.Th) {
						row = append(row, td)
					}
				}
				if len(row) == 0 {
					continue
				}
				rows = append(rows, row)
				if inHead && leading {
					headRows++
				} else {
					leading = false
				}
			}
		}
	}
	walk(table, false)
	return rows, headRows
}

func caption(table *html.Node) string {
	for c := table.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == atom.Caption {
			t, _ := cellText(c)
			return t
		}
	}
	return ""
}

// spans lists the cells covering more than one position.
func spans[T any](slots [][]extract.GridSlot[T]) []Span {
	var out []Span
	seen := map[[2]int]int{}
	for r, row := range slots {
		for c, s := range row {
			if !s.Filled {
				continue
			}
			key := [2]int{s.Row, s.Col}
			i, ok := seen[key]
			if !ok {
				seen[key] = len(out)
				out = append(out, Span{Row: s.Row, Col: s.Col, RowSpan: 1, ColSpan: 1})
				continue
			}
			sp := &out[i]
			sp.RowSpan = max(sp.RowSpan, r-s.Row+1)
			sp.ColSpan = max(sp.ColSpan, c-s.Col+1)
		}
	}
	merged := out[:0]
	for _, s := range out {
		if s.RowSpan > 1 || s.ColSpan > 1 {
			merged = append(merged, s)
		}
	}
	return merged
}

// headerRows decides how many leading grid rows are headers: the thead
// rows; else the leading rows made only of th cells; else the first row
// when it reads like a header (see firstRowIsHeader).
func headerRows(slots [][]extract.GridSlot[*cell], theadRows int) (int, string) {
	if theadRows > 0 && theadRows < len(slots) {
		return theadRows, "thead"
	}
	n := 0
	for _, row := range slots {
		if !allHeaderCells(row) {
			break
		}
		n++
	}
	if n > 0 && n < len(slots) {
		return n, "th"
	}
	if firstRowIsHeader(slots) {
		return 1, "first_row"
	}
	return 0, "none"
}

func allHeaderCells(row []extract.GridSlot[*cell]) bool {
	any := false
	for _, s := range row {
		if !s.Filled {
			continue
		}
		if !s.Value.header {
			return false
		}
		any = true
	}
	return any
}

// firstRowIsHeader: every cell of the first row has text, no two are the
// same, none parses as a number, date or boolean, and some column below
// it does have a type (a row of labels over a column of values), or every
// first-row cell is set in bold.
func firstRowIsHeader(slots [][]extract.GridSlot[*cell]) bool {
	first := slots[0]
	seen := map[string]bool{}
	bold := true
	for _, s := range first {
		if !s.Filled || s.Value.text == "" || seen[s.Value.text] || valueType(s.Value.text) != TypeString {
			return false
		}
		seen[s.Value.text] = true
		bold = bold && s.Value.bold()
	}
	if bold {
		return true
	}
	body := make([][]string, 0, len(slots)-1)
	for _, row := range slots[1:] {
		r := make([]string, len(row))
		for c, s := range row {
			if s.Filled {
				r[c] = s.Value.text
			}
		}
		body = append(body, r)
	}
	for c := range first {
		if t := columnType(body, c); t != TypeString && t != TypeEmpty {
			return true
		}
	}
	return false
}

// headerNames builds one unique name per column from the header rows.
func headerNames(head [][]string, width int) []string {
	names := make([]string, width)
	used := map[string]int{}
	for c := range width {
		var parts []string
		for _, row := range head {
			if v := row[c]; v != "" && (len(parts) == 0 || parts[len(parts)-1] != v) {
				parts = append(parts, v)
			}
		}
		name := strings.Join(parts, " / ")
		if name == "" {
			name = fmt.Sprintf("column_%d", c+1)
		}
		used[name]++
		if k := used[name]; k > 1 {
			name = fmt.Sprintf("%s_%d", name, k)
		}
		names[c] = name
	}
	return names
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key && a.Namespace == "" {
			return a.Val
		}
	}
	return ""
}
