package extract

import (
	"golang.org/x/net/html/atom"
)

// Content selection works on text blocks: the text an element holds
// directly, outside nested block elements. Each block gets a goodness
// (long, punctuated, few links: positive; link lists: negative; short
// lines: slightly negative), and the chosen container is the subtree whose
// blocks add up to the most. Furniture regions (class/id/role) count
// against any container that includes them. This is the maximum-subtree
// idea behind boilerpipe-style block classification, with readability's
// class weighting folded in as a bonus for containers that name themselves
// the article body.

const (
	linkListDensity = 0.5 // a block with more link text than this is navigation
	longBlock       = 80  // runes: long enough to be prose on its own
	mediumBlock     = 30  // runes: prose if it has sentence punctuation
	shortPenalty    = 0.25
	boilerPenalty   = 0.5
	strongBonus     = 1.25
)

// blockGoodness scores the text an element holds directly.
func blockGoodness(n *node) float64 {
	l := float64(n.ownLen)
	if l == 0 || !n.block {
		return 0 // inline text belongs to the enclosing block
	}
	ld := float64(n.ownLinkLen) / l
	if ld > tLD {
		return -tLinkPen * l * ld
	}
	switch n.tag {
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return 0
	}
	eff := l * (1 - ld)
	if n.ownLen >= longBlock || (n.ownLen >= mediumBlock && n.punct > 0) {
		return eff
	}
	return -tShort * l
}

// score computes value for every element bottom-up and returns the best
// container.
func (t *tree) selectContent() *node {
	start := t.body
	if start == nil {
		start = t.root
	}
	var best *node
	bestScore := 0.0
	var walk func(n *node, depth int) float64
	walk = func(n *node, depth int) float64 {
		if n.isText() || n.drop {
			return 0
		}
		if n.boiler {
			n.value = -tBoiler * float64(n.textLen)
			return n.value
		}
		v := blockGoodness(n)
		for _, k := range n.kids {
			v += walk(k, depth+1)
		}
		n.value = v
		s := v
		if n.strong && s > 0 {
			s *= tStrong
		}
		if s > bestScore {
			best, bestScore = n, s
		}
		return v
	}
	walk(start, 0)
	if best == nil {
		best = start
	}
	if cand := t.articleBodyCandidate(); cand != nil && cand != best {
		switch {
		case inside(best, cand):
			// The best-scoring part sits inside the element that names
			// itself the article text: take all of it (a lead paragraph
			// split from the rest by an embed would otherwise be lost).
			if tBodyUp > 0 {
				best = cand
			}
		case !inside(cand, best):
			if tBodyAway > 0 && cand.value > tBodyAwayMin*best.value {
				best = cand
			}
		}
	}
	return best
}

// articleBodyCandidate returns the first element that names itself the
// article text and holds some text, outside furniture.
func (t *tree) articleBodyCandidate() *node {
	for _, n := range t.nodes {
		if !n.articleBody || n.textLen < 100 {
			continue
		}
		ok := true
		for a := n; a != nil; a = a.parent {
			if a.drop || a.boiler {
				ok = false
				break
			}
		}
		if ok {
			return n
		}
	}
	return nil
}

// keep reports whether a node inside the chosen container goes to the
// output.
func keep(n *node) bool {
	if n.drop || n.boiler || n.cut {
		return false
	}
	if n.isText() || !n.block {
		return true
	}
	if n.textLen > 0 && n.linkDensity() > linkListDensity {
		switch n.tag {
		case atom.Td, atom.Th, atom.Tr:
			return true
		}
		return false
	}
	return true
}

// trimEdges drops the blocks after the last prose block of the container
// (and before the first one, headings excepted): the "related posts",
// "share this", "comments (0)" lines that sit inside article containers
// without any class saying so. Prose means a block that would count as
// content on its own.
func trimEdges(main *node) {
	var blocks []*node
	var walk func(n *node)
	walk = func(n *node) {
		if !keep(n) || n.isText() {
			return
		}
		if n.block && n.ownLen > 0 {
			blocks = append(blocks, n)
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(main)
	isProse := isProseBlock
	if tStops > 0 {
		total, before := 0, 0
		for _, b := range blocks {
			if isProse(b) {
				total += b.ownLen
			}
		}
		for i, b := range blocks {
			if isProse(b) {
				before += b.ownLen
				continue
			}
			if b.ownLen <= 80 && float64(before) >= tStopShare*float64(total) && total > 0 && isSectionStop(textOf(b)) {
				for _, c := range blocks[i:] {
					if c != main {
						c.cut = true
					}
				}
				blocks = blocks[:i]
				break
			}
		}
	}
	if tCTA > 0 {
		seen := false
		for _, b := range blocks {
			if isProse(b) && b.ownLen > 220 {
				seen = true
			}
			if seen && b != main && b.ownLen <= 220 && isCallToAction(textOf(b)) {
				b.cut = true
			}
		}
	}
	last := -1
	for i, b := range blocks {
		if isProse(b) {
			last = i
		}
	}
	if last < 0 {
		return
	}
	if tTrimTail > 0 {
		for _, b := range blocks[last+1:] {
			if b != main {
				b.cut = true
			}
		}
	}
	if tTrimHead > 0 {
		for _, b := range blocks {
			if isProse(b) {
				break
			}
			switch b.tag {
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				continue
			}
			if b != main {
				b.cut = true
			}
		}
	}
}
