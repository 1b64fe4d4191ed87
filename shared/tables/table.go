// Package tables finds the data tables of an HTML page and turns each into
// a rectangular grid: header rows detected (thead, th, or a first row that
// reads like one), colspan/rowspan expanded (a spanned value repeats in
// every position it covers, with the merge listed in Spans), nested tables
// kept as tables of their own and referenced from the parent's cell,
// captions, per-column types, and layout tables (one cell, navigation
// grids, role=presentation) skipped.
//
// It works on the page the extractor already parsed (extract.Page.Node):
// the page is parsed once. The package is a pure engine: no network, no
// storage.
package tables

// Table is one data table.
type Table struct {
	// Index is the table's position among the page's data tables, in
	// document order (a nested table comes after its parent).
	Index int `json:"index"`
	// ParentIndex is the index of the table whose cell holds this one.
	ParentIndex *int     `json:"parent_index,omitempty"`
	Caption     string   `json:"caption,omitempty"`
	HTMLID      string   `json:"html_id,omitempty"`
	Classes     []string `json:"classes,omitempty"`
	// Headers has one name per column: the header rows' texts joined with
	// " / " when there are several, "column_N" where a column has none.
	// Names are unique (a repeated one gets "_2", "_3").
	Headers []string `json:"headers"`
	// HeaderRows is how many grid rows are headers; HeaderSource says how
	// they were found: thead, th, first_row (heuristic) or none.
	HeaderRows   int      `json:"header_rows"`
	HeaderSource string   `json:"header_source"`
	Columns      []Column `json:"columns"`
	// Rows are the body rows (header rows excluded), all the same width.
	Rows [][]string `json:"rows"`
	// Spans are the merged cells, in grid coordinates (row 0 is the first
	// header row, if any).
	Spans []Span `json:"spans,omitempty"`
	// Nested are the tables inside this table's cells (grid coordinates).
	Nested []NestedRef `json:"nested,omitempty"`
	// Truncated says the grid was cut at the cell limit (MaxCells).
	Truncated bool `json:"truncated,omitempty"`
}

// Column describes one column's values.
type Column struct {
	Name string `json:"name"`
	// Type is number, date, boolean, string, or empty (no value at all);
	// see docs/tables.md for the rule.
	Type ColumnType `json:"type"`
}

// ColumnType is the type of a column's values.
type ColumnType string

const (
	TypeNumber  ColumnType = "number"
	TypeDate    ColumnType = "date"
	TypeBoolean ColumnType = "boolean"
	TypeString  ColumnType = "string"
	TypeEmpty   ColumnType = "empty"
)

// EnumValues lists the column types for the API's JSON Schemas.
func (ColumnType) EnumValues() []string {
	return []string{string(TypeNumber), string(TypeDate), string(TypeBoolean), string(TypeString), string(TypeEmpty)}
}

// Span is a cell that covers more than one grid position.
type Span struct {
	Row     int `json:"row"`
	Col     int `json:"col"`
	RowSpan int `json:"rowspan"`
	ColSpan int `json:"colspan"`
}

// NestedRef points from a cell to a table inside it.
type NestedRef struct {
	Row        int `json:"row"`
	Col        int `json:"col"`
	TableIndex int `json:"table_index"`
}

// Skipped counts the tables left out as layout, by reason.
type Skipped struct {
	Presentation int `json:"presentation"` // role=presentation or none
	SingleCell   int `json:"single_cell"`  // fewer than 2 rows or 2 columns
	Navigation   int `json:"navigation"`   // most cells are just a link
	Empty        int `json:"empty"`        // no text at all
}

// Total is the number of skipped tables.
func (s Skipped) Total() int { return s.Presentation + s.SingleCell + s.Navigation + s.Empty }

// Result is every data table of a page.
type Result struct {
	Tables  []Table `json:"tables"`
	Skipped Skipped `json:"skipped"`
}
