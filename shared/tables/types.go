package tables

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Column typing rule (docs/tables.md): a column is number, date or
// boolean when every non-empty body cell that is not a placeholder
// ("-", "–", "—", "n/a", "na", "null", "none", "?") reads as that type and
// at least one does; empty when it has no value at all; string otherwise.
// Every row counts, not a sample. "1"/"0" are numbers, not booleans.

var placeholders = map[string]bool{"-": true, "–": true, "—": true, "n/a": true, "na": true, "null": true, "none": true, "?": true}

// IsPlaceholder reports whether v stands for "no value".
func IsPlaceholder(v string) bool { return placeholders[strings.ToLower(strings.TrimSpace(v))] }

// columnType types column c of rows.
func columnType(rows [][]string, c int) ColumnType {
	var t ColumnType
	values := 0
	for _, r := range rows {
		if c >= len(r) {
			continue
		}
		v := r[c]
		if v == "" {
			continue
		}
		values++
		if IsPlaceholder(v) {
			continue
		}
		vt := valueType(v)
		switch {
		case t == "":
			t = vt
		case t != vt:
			return TypeString
		}
		if t == TypeString {
			return TypeString
		}
	}
	switch {
	case values == 0:
		return TypeEmpty
	case t == "":
		return TypeString // placeholders only
	}
	return t
}

// valueType types one value.
func valueType(v string) ColumnType {
	if _, ok := ParseBool(v); ok {
		return TypeBoolean
	}
	if _, ok := ParseNumber(v); ok {
		return TypeNumber
	}
	if _, ok := ParseDate(v); ok {
		return TypeDate
	}
	return TypeString
}

// ParseBool reads true/false and yes/no (any case).
func ParseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes":
		return true, true
	case "false", "no":
		return false, true
	}
	return false, false
}

// number: an optional sign and currency symbol, digits with optional
// thousands separators (comma, space, thin or no-break space) and a decimal
// point, an optional percent sign or trailing currency symbol.
// (compiled on first use: package init stays free)
var number = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^([+\-−]?)\s?([$€£¥₹]?)\s?(\d{1,3}(?:[, \x{202f}\x{a0}]\d{3})+|\d+)(\.\d+)?\s?(%|[$€£¥₹])?$`)
})

// ParseNumber reads a number as written in a table cell ("1,234.5",
// "-3%", "$12", "12 €"). A percentage is its number (12% -> 12).
func ParseNumber(v string) (float64, bool) {
	m := number().FindStringSubmatch(strings.TrimSpace(v))
	if m == nil {
		return 0, false
	}
	digits := strings.NewReplacer(",", "", " ", "", "\u202f", "", "\u00a0", "").Replace(m[3]) + m[4]
	f, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return 0, false
	}
	if m[1] == "-" || m[1] == "−" {
		f = -f
	}
	return f, true
}

var dateLayouts = []string{
	"2006-01-02", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
	"2 January 2006", "2 Jan 2006", "January 2, 2006", "Jan 2, 2006", "Jan. 2, 2006", "02 Jan 2006",
	"2006/01/02", "01/02/2006", "1/2/2006", "02.01.2006", "2.1.2006",
}

// ParseDate reads ISO dates and the common written forms (day-month-year
// words, month/day/year with slashes, day.month.year with dots). It
// returns the date as written (UTC).
func ParseDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if len(v) < 6 || len(v) > 32 {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// Typed returns a cell's value as its column's type: float64, bool, an
// ISO date string, the text, or nil for an empty cell or placeholder.
func Typed(v string, t ColumnType) any {
	if v == "" || IsPlaceholder(v) {
		return nil
	}
	switch t {
	case TypeNumber:
		if f, ok := ParseNumber(v); ok {
			return f
		}
	case TypeBoolean:
		if b, ok := ParseBool(v); ok {
			return b
		}
	case TypeDate:
		if d, ok := ParseDate(v); ok {
			if d.Hour() == 0 && d.Minute() == 0 && d.Second() == 0 {
				return d.Format(time.DateOnly)
			}
			return d.Format(time.RFC3339)
		}
	}
	return v
}
