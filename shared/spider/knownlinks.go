package spider

// knownLinks remembers, for one batch, the links its stored outcomes have
// already pushed. A page links to the same navigation, tag and related
// pages as the page before it, so most links a batch finds are ones it
// pushed already; the run store would look each up (one SADD per link, in
// a Lua script) only to count a duplicate. Leaving them out of the store
// call and counting them as known duplicates gives the same counters for a
// fraction of the work, on a real Redis and on the embedded one.
//
// It is only a cache: a link not remembered is simply sent, and the store
// stays the authority (other batches of the run, in other processes, push
// links this one never saw). Links are remembered only after the store
// reported their outcome stored: that is when they are in the run's seen
// (or too-deep) set for good.
type knownLinks struct {
	seen map[string]struct{} // queued or skipped: in the run's seen set
	deep map[string]struct{} // too deep: in the run's too-deep set
}

// maxKnownLinks bounds the memory a batch spends on the cache (about
// 100 bytes a link); past it, further links are sent to the store as
// before.
const maxKnownLinks = 200_000

// filter drops the links already known from o and counts the dropped
// duplicates in o.KnownDupLinks. The links slice is filtered in place.
func (k *knownLinks) filter(o *Outcome) {
	if o.Kind != OutcomeOK || len(o.Links) == 0 || len(k.seen)+len(k.deep) == 0 {
		return
	}
	kept := o.Links[:0]
	for _, l := range o.Links {
		if l.Kind == LinkTooDeep {
			if _, ok := k.deep[l.URL]; ok {
				continue // counted once already, when first pushed
			}
		} else if _, ok := k.seen[l.URL]; ok {
			o.KnownDupLinks++
			continue
		}
		kept = append(kept, l)
	}
	o.Links = kept
}

// remember notes the links of an outcome the store reported stored.
func (k *knownLinks) remember(o *Outcome, r Recorded) {
	if o.Kind != OutcomeOK || r != RecordStored {
		return
	}
	if k.seen == nil {
		k.seen, k.deep = map[string]struct{}{}, map[string]struct{}{}
	}
	for _, l := range o.Links {
		if len(k.seen)+len(k.deep) >= maxKnownLinks {
			return
		}
		if l.Kind == LinkTooDeep {
			k.deep[l.URL] = struct{}{}
		} else {
			k.seen[l.URL] = struct{}{}
		}
	}
}
