package extract

import (
	"strconv"
	"strings"

	"golang.org/x/net/html/atom"
)

// maxSpan bounds colspan/rowspan so a hostile value cannot blow up the grid.
const maxSpan = 64

// maxGridCells bounds the whole grid of one table.
const maxGridCells = 100_000

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

func span(v string) int {
	s, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || s < 1 {
		return 1
	}
	return min(s, maxSpan)
}

// tableGrid lays the cells out on a grid, repeating spanned values.
func (w *mdWriter) tableGrid(n *node) [][]string {
	rows := tableRows(n, w.keep)
	var grid [][]string
	filled := [][]bool{}
	cells := 0
	ensure := func(r, c int) {
		for len(grid) <= r {
			grid = append(grid, nil)
			filled = append(filled, nil)
		}
		for len(grid[r]) <= c {
			grid[r] = append(grid[r], "")
			filled[r] = append(filled[r], false)
			cells++
		}
	}
	for r, row := range rows {
		c := 0
		for _, cell := range row {
			ensure(r, c)
			for c < len(filled[r]) && filled[r][c] {
				c++
			}
			v := w.cellText(cell.n)
			for dr := 0; dr < cell.rowspan && r+dr < len(rows); dr++ {
				for dc := 0; dc < cell.colspan; dc++ {
					if cells > maxGridCells {
						return grid
					}
					ensure(r+dr, c+dc)
					if !filled[r+dr][c+dc] {
						grid[r+dr][c+dc] = v
						filled[r+dr][c+dc] = true
					}
				}
			}
			c += cell.colspan
		}
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
