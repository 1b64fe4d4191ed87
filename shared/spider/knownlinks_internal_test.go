package spider

import (
	"slices"
	"testing"
)

func TestKnownLinksLeaveOutWhatAStoredOutcomePushed(t *testing.T) {
	var k knownLinks
	first := Outcome{Kind: OutcomeOK, Links: []FoundLink{{URL: "a"}, {URL: "x", Kind: LinkSkip, Reason: SkipExcluded}, {URL: "deep", Kind: LinkTooDeep}}}
	k.filter(&first) // nothing known yet
	if len(first.Links) != 3 || first.KnownDupLinks != 0 {
		t.Fatalf("first outcome filtered: %+v", first)
	}
	// A stale or duplicate outcome pushed nothing: nothing is learnt.
	k.remember(&first, RecordStale)
	k.remember(&first, RecordDuplicate)
	failed := Outcome{Kind: OutcomeFailed, Links: []FoundLink{{URL: "b"}}}
	k.remember(&failed, RecordStored)
	probe := Outcome{Kind: OutcomeOK, Links: []FoundLink{{URL: "a"}, {URL: "b"}}}
	if k.filter(&probe); len(probe.Links) != 2 {
		t.Fatalf("links left out before any was stored: %+v", probe)
	}

	k.remember(&first, RecordStored)
	next := Outcome{Kind: OutcomeOK, Links: []FoundLink{
		{URL: "a"}, {URL: "x"}, {URL: "new"}, {URL: "deep", Kind: LinkTooDeep}, {URL: "a", Kind: LinkTooDeep}, {URL: "deep"},
	}}
	k.filter(&next)
	var left []string
	for _, l := range next.Links {
		left = append(left, l.URL)
	}
	// a and x were queued/skipped (seen): duplicates. deep too deep again:
	// counted once already, dropped without a duplicate. "a" too deep and
	// "deep" as a queue link are not in those sets: sent.
	if !slices.Equal(left, []string{"new", "a", "deep"}) || next.KnownDupLinks != 2 {
		t.Errorf("left %v, known duplicates %d", left, next.KnownDupLinks)
	}
	// Failed and skipped outcomes carry no links to push.
	f := Outcome{Kind: OutcomeFailed, Links: []FoundLink{{URL: "a"}}}
	if k.filter(&f); len(f.Links) != 1 || f.KnownDupLinks != 0 {
		t.Errorf("failed outcome filtered: %+v", f)
	}
}
