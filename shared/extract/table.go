package extract

import (
	"strconv"
	"strings"

	"golang.org/x/net/html/atom"
)

// MaxSpan bounds colspan/rowspan so a hostile value cannot blow up the grid.
const MaxSpan = 64

// MaxGridCells bounds the whole grid of one table.
const MaxGridCells = 100_000

// table renders a GFM table. Spanned cells repeat their value in every grid
// position they cover, which keeps each row self-contained (what a reader
// or a model needs) instead of leaving holes. The first row is the header
// (GFM requires one).
func (w *mdWriter) table(n *node) string {
	grid := w.tableGrid(n)
	if len(grid) == 0 {
		return ""
	}
	cols := 0
	for _, r := range grid {
		cols = max(cols, len(r))
	}
	if cols == 0 {
		return ""
	}
	var b strings.Builder
	writeRow := func(r []string) {
		b.WriteString("|")
		for c := range cols {
			v := ""
			if c < len(r) {
				v = r[c]
			}
			b.WriteString(" " + v + " |")
		}
		b.WriteString("\n")
	}
	writeRow(grid[0])
	b.WriteString("|")
	for range cols {
		b.WriteString(" --- |")
	}
	b.WriteString("\n")
	for _, r := range grid[1:] {
		writeRow(r)
	}
	return strings.TrimRight(b.String(), "\n")
}

type tableCell struct {
	n                *node
	colspan, rowspan int
}

// tableRows collects the rows of a table, looking through thead, tbody and
// tfoot but not into nested tables.
func tableRows(n *node, keepFn func(*node) bool) [][]tableCell {
	var rows [][]tableCell
	var walk func(n *node)
	walk = func(n *node) {
		for _, k := range n.kids {
			if !keepFn(k) {
				continue
			}
			switch k.tag {
			case atom.Thead, atom.Tbody, atom.Tfoot:
				walk(k)
			case atom.Tr:
				var row []tableCell
				for _, c := range k.kids {
					if (c.tag == atom.Td || c.tag == atom.Th) && keepFn(c) {
						row = append(row, tableCell{n: c, colspan: span(c.attr("colspan")), rowspan: span(c.attr("rowspan"))})
					}
				}
				if len(row) > 0 {
					rows = append(rows, row)
				}
			}
		}
	}
	walk(n)
	return rows
}

// span reads a colspan/rowspan attribute (SpanAttr).
func span(v string) int { return SpanAttr(v) }

// SpanAttr reads a colspan or rowspan value: a positive integer, at most
// MaxSpan; anything else (missing, 0, junk) counts as 1.
func SpanAttr(v string) int {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s < 1 {
		return 1
	}
	return min(s, MaxSpan)
}

// GridCell is one cell of a table row as written in HTML.
type GridCell[T any] struct {
	Value            T
	ColSpan, RowSpan int
}

// GridSlot is one position of the laid-out grid: the value of the cell
// that covers it and where that cell starts (a slot with Row/Col other
// than its own position is covered by a spanning cell). Filled is false
// for positions no cell covers (a short row).
type GridSlot[T any] struct {
	Value    T
	Row, Col int
	Filled   bool
}

// LayoutGrid places rows of cells on a grid the way browsers do: a cell
// takes the first column not covered by a rowspan from above, and spans
// right and down (a rowspan past the last row stops there). The grid is
// rectangular: short rows are padded with unfilled slots. maxCells bounds
// the grid (hostile spans); 0 means MaxGridCells.
func LayoutGrid[T any](rows [][]GridCell[T], maxCells int) [][]GridSlot[T] {
	if maxCells <= 0 {
		maxCells = MaxGridCells
	}
	var grid [][]GridSlot[T]
	cells := 0
	ensure := func(r, c int) bool {
		for len(grid) <= r {
			grid = append(grid, nil)
		}
		for len(grid[r]) <= c {
			if cells >= maxCells {
				return false
			}
			grid[r] = append(grid[r], GridSlot[T]{})
			cells++
		}
		return true
	}
	full := false
	for r, row := range rows {
		c := 0
		for _, cell := range row {
			if !ensure(r, c) {
				full = true
				break
			}
			for c < len(grid[r]) && grid[r][c].Filled {
				c++
			}
			for dr := 0; dr < max(cell.RowSpan, 1) && r+dr < len(rows); dr++ {
				for dc := 0; dc < max(cell.ColSpan, 1); dc++ {
					if !ensure(r+dr, c+dc) {
						full = true
						break
					}
					if slot := &grid[r+dr][c+dc]; !slot.Filled {
						*slot = GridSlot[T]{Value: cell.Value, Row: r, Col: c, Filled: true}
					}
				}
			}
			c += max(cell.ColSpan, 1)
		}
		if full {
			break
		}
	}
	width := 0
	for _, r := range grid {
		width = max(width, len(r))
	}
	for i := range grid {
		for len(grid[i]) < width {
			grid[i] = append(grid[i], GridSlot[T]{})
		}
	}
	return grid
}

// tableGrid lays the cells out on a grid, repeating spanned values.
func (w *mdWriter) tableGrid(n *node) [][]string {
	var rows [][]GridCell[*node]
	for _, row := range tableRows(n, w.keep) {
		cells := make([]GridCell[*node], len(row))
		for i, c := range row {
			cells[i] = GridCell[*node]{Value: c.n, ColSpan: c.colspan, RowSpan: c.rowspan}
		}
		rows = append(rows, cells)
	}
	texts := map[*node]string{}
	var grid [][]string
	for _, row := range LayoutGrid(rows, MaxGridCells) {
		out := make([]string, len(row))
		for i, slot := range row {
			if !slot.Filled {
				continue
			}
			t, ok := texts[slot.Value]
			if !ok {
				t = w.cellText(slot.Value)
				texts[slot.Value] = t
			}
			out[i] = t
		}
		grid = append(grid, out)
	}
	return grid
}

// cellText renders a cell's content on one line: pipes escaped, line breaks
// as <br> (the only way to break a line inside a GFM cell).
func (w *mdWriter) cellText(n *node) string {
	var parts []string
	for _, k := range n.kids {
		if !w.keep(k) {
			continue
		}
		if k.block && !k.isText() && k.tag != atom.Br {
			if s := strings.TrimSpace(collapseSpace(w.inlineKids(k))); s != "" {
				parts = append(parts, s)
			}
			continue
		}
		parts = append(parts, w.inline(k))
	}
	s := strings.Join(parts, " ")
	s = strings.ReplaceAll(s, "  \n", "<br>")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.TrimSpace(collapseSpace(s))
	return s
}
