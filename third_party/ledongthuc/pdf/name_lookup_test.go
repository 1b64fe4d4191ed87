package pdf

import "testing"

// RIPTIDE PATCH: nameToRune searches nameToRuneTable by binary search, which
// only finds every name while the table stays sorted and free of duplicates.
func TestNameToRuneTableSorted(t *testing.T) {
	for i := 1; i < len(nameToRuneTable); i++ {
		if nameToRuneTable[i-1].name >= nameToRuneTable[i].name {
			t.Fatalf("entries %d and %d out of order: %q, %q", i-1, i, nameToRuneTable[i-1].name, nameToRuneTable[i].name)
		}
	}
	for _, e := range nameToRuneTable {
		if got := nameToRune(e.name); got != e.r {
			t.Errorf("nameToRune(%q) = %#x, want %#x", e.name, got, e.r)
		}
	}
}

func TestNameToRune(t *testing.T) {
	for name, want := range map[string]rune{
		"A": 'A', "nbspace": 0x00A0, "Euro": 0x20AC, "zuhiragana": 0x305A,
		"": 0, "notaglyph": 0, "a": 'a', "AEacute": 0x01FC,
	} {
		if got := nameToRune(name); got != want {
			t.Errorf("nameToRune(%q) = %#x, want %#x", name, got, want)
		}
	}
}
