package pdf

import (
	pdfread "github.com/ledongthuc/pdf"
)

// Outline limits: a damaged file can link bookmarks in a cycle.
const (
	maxOutlineItems = 5000
	maxOutlineDepth = 16
)

// readOutline reads the bookmarks (the parser's own Outline follows
// /Next forever on a cyclic list).
func readOutline(root pdfread.Value) []OutlineItem {
	count := 0
	var walk func(first pdfread.Value, depth int) []OutlineItem
	walk = func(first pdfread.Value, depth int) []OutlineItem {
		if depth > maxOutlineDepth {
			return nil
		}
		var items []OutlineItem
		for it := first; it.Kind() == pdfread.Dict && count < maxOutlineItems; it = it.Key("Next") {
			count++
			item := OutlineItem{Title: cleanText(it.Key("Title").Text())}
			item.Children = walk(it.Key("First"), depth+1)
			items = append(items, item)
		}
		return items
	}
	return walk(root.Key("Outlines").Key("First"), 0)
}
