package pdf

import (
	"sort"
)

// RIPTIDE PATCH: see name.go. nameRune is one entry of the glyph-name table.
type nameRune struct {
	name string
	r    rune
}

// nameToRune returns the Unicode rune of a glyph name (Differences arrays of
// font encodings), or 0 when the name is unknown, as upstream's map lookup did.
func nameToRune(name string) rune {
	i := sort.Search(len(nameToRuneTable), func(i int) bool { return nameToRuneTable[i].name >= name })
	if i < len(nameToRuneTable) && nameToRuneTable[i].name == name {
		return nameToRuneTable[i].r
	}
	return 0
}
