package sessions

import (
	"context"
	"fmt"

	"github.com/riptidecrawler/riptide/shared/core"
)

// OwnedSession is a session with its cookies, as a tenant's export holds
// it (docs/privacy.md): the cookies are the caller's data.
type OwnedSession struct {
	*View
	Cookies []Cookie `json:"cookies"`
}

// ExportOwner returns every live session of owner with its cookies.
func (s *Service) ExportOwner(ctx context.Context, owner string) ([]OwnedSession, error) {
	idx, err := s.Store.Index(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	out := []OwnedSession{}
	for _, e := range idx {
		if !e.Live {
			continue
		}
		v, err := s.Get(ctx, owner, e.ID)
		if core.TypeOf(err) == core.ErrNotFound {
			continue // expired since the index was read
		}
		if err != nil {
			return nil, err
		}
		cookies, err := s.Cookies(ctx, owner, e.ID)
		if err != nil && core.TypeOf(err) != core.ErrNotFound {
			return nil, err
		}
		out = append(out, OwnedSession{View: v, Cookies: cookies})
	}
	return out, nil
}

// DeleteOwner removes every session of owner, its index and its counters,
// and returns how many sessions went.
func (s *Service) DeleteOwner(ctx context.Context, owner string) (int64, error) {
	return s.Store.DeleteOwner(ctx, owner)
}
