package extract

import "golang.org/x/net/html/atom"

// The second opinion: Mozilla Readability's candidate scoring, run on the
// same tree. Every paragraph-like block of 25 or more runes scores
// 1 + its commas + one point per 100 runes (at most 3) and hands the score
// to its ancestors (in full to the parent, half to the grandparent, a
// third of the level beyond); ancestors start from a tag bonus (div +5,
// lists -3, headings -5) and a class bonus; scores are scaled by
// 1 - link density, the best ancestor wins, and its siblings join as in
// mergeSiblings. It favours recall where the first pass favours
// precision, which is what a fallback needs.

const (
	readableMinLen       = 25  // runes: shorter blocks do not score
	readableLevels       = 5   // ancestors that receive a block's score
	readableSiblingShare = 0.2 // of the top score: a sibling scoring this joins
	readableSiblingMin   = 10
	readableClassBonus   = 25
	readableRetryBelow   = 500 // runes: a first choice with less text is tried again with furniture
)

// readabilityCandidate returns the root of Readability's choice, with
// the siblings it leaves out marked rskip, or nil when no block scored.
// Like Readability it tries again without excluding furniture when the
// first choice holds little text (forum posts flagged as comments).
func (t *tree) readabilityCandidate() *node {
	r := t.readabilityPass(true)
	if r != nil {
		if all, _, _ := keptText(r, keepReadable); all >= readableRetryBelow {
			return r
		}
	}
	if r2 := t.readabilityPass(false); r2 != nil {
		return r2
	}
	return r
}

func (t *tree) readabilityPass(stripFurniture bool) *node {
	for _, n := range t.nodes {
		n.rscore, n.rinit, n.rskip, n.rboiler = 0, false, false, false
	}
	var cands []*node
	credit := func(from *node, s float64) {
		a := from
		for level := 0; level < readableLevels && a != nil && a.h.Type != 9; level++ {
			if a.tag == atom.Html || a.tag == atom.Body && level > 0 {
				break
			}
			if !a.rinit {
				a.rinit = true
				a.rscore = readableInit(a)
				cands = append(cands, a)
			}
			div := 1.0
			switch {
			case level == 1:
				div = 2
			case level > 1:
				div = float64(level * 3)
			}
			a.rscore += s / div
			a = a.parent
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n.isText() || n.drop {
			return
		}
		if n.boiler {
			if stripFurniture {
				return
			}
			n.rboiler = true
		}
		switch {
		case scoresWhole(n) || (n.tag == atom.Div || n.tag == 0 && n.block) && n.textLen == n.ownLen:
			// A paragraph, or a div without blocks inside (Readability
			// turns it into one): its whole text scores for its parent.
			if n.textLen >= readableMinLen {
				credit(n.parent, readableScore(n.textLen, n.commas))
			}
		case n.tag == atom.Div || n.tag == 0 && n.block:
			// A div's loose text is wrapped in paragraphs inside it.
			if n.ownLen >= readableMinLen {
				credit(n, readableScore(n.ownLen, n.commas))
			}
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(t.root)
	var top *node
	for _, c := range cands {
		c.rscore *= 1 - c.linkDensity()
		if top == nil || c.rscore > top.rscore {
			top = c
		}
	}
	if top == nil {
		return nil
	}
	// Climb while the parent scores better: the article is often spread
	// over several scored containers below one wrapper.
	last := top.rscore
	for p := top.parent; p != nil && p.tag != atom.Body && p.tag != atom.Html; p = p.parent {
		if !p.rinit || p.rscore < last/3 {
			break
		}
		if p.rscore > last {
			top, last = p, p.rscore
		}
	}
	p := top.parent
	if p == nil || p.tag == atom.Html || p.h.Type == 9 {
		return top
	}
	min := max(readableSiblingMin, readableSiblingShare*top.rscore)
	class := top.attr("class")
	for _, s := range p.kids {
		if s == top || s.isText() {
			continue
		}
		if !s.drop && (!s.boiler || !stripFurniture) && siblingReadable(s, top, class, min) {
			continue
		}
		s.rskip = true
	}
	return p
}

func readableScore(runes, commas int) float64 {
	return 1 + float64(commas) + float64(min(runes/100, 3))
}

func siblingReadable(s, top *node, class string, min float64) bool {
	bonus := 0.0
	if class != "" && s.attr("class") == class {
		bonus = readableSiblingShare * top.rscore
	}
	if s.rinit && s.rscore+bonus >= min {
		return true
	}
	if s.tag != atom.P {
		return false
	}
	ld := s.linkDensity()
	switch {
	case s.textLen > 80 && ld < 0.25:
		return true
	case s.textLen > 0 && s.textLen <= 80 && ld == 0 && s.punct > 0:
		return true
	}
	return false
}

// scoresWhole: the elements Readability scores by their whole text.
func scoresWhole(n *node) bool {
	switch n.tag {
	case atom.P, atom.Td, atom.Pre, atom.Section, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		return true
	}
	return false
}

func readableInit(n *node) float64 {
	s := 0.0
	switch n.tag {
	case atom.Div:
		s = 5
	case atom.Pre, atom.Td, atom.Blockquote:
		s = 3
	case atom.Address, atom.Ol, atom.Ul, atom.Dl, atom.Dd, atom.Dt, atom.Li, atom.Form:
		s = -3
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Th:
		s = -5
	}
	if n.strong {
		s += readableClassBonus
	}
	return s
}

// keepReadable keeps the readability candidate's content: not dropped,
// not furniture, not a sibling it left out, and not a link list.
func keepReadable(n *node) bool {
	if n.drop || n.boiler && !n.rboiler || n.rskip {
		return false
	}
	if n.isText() || !n.block {
		return true
	}
	if n.textLen > 0 && n.linkDensity() > linkListDensity && n.plain < plainKeep {
		switch n.tag {
		case atom.Td, atom.Th, atom.Tr:
			return true
		}
		return false
	}
	return true
}
