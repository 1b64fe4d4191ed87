package httpx

import (
	"context"
	"errors"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/secrets"
)

// SecretKeys authenticates against the API keys held in a secret (Secrets
// Manager in AWS). The secret is read through the source's cache on each
// check, so a rotated key set takes effect within the cache TTL without a
// redeploy.
//
// Overlap: after a rotation (shared/rotation moves AWSCURRENT to the new
// version and AWSPREVIOUS to the old one) the keys of the previous version
// are accepted as well until Overlap has passed since the current version
// was created, so callers holding the old key keep working while they
// switch. The source must keep versions (secrets.Staged) for that.
type SecretKeys struct {
	Source  secrets.Source
	Name    string
	Static  []string // keys from RIPTIDE_API_KEYS, accepted as well
	Overlap time.Duration
	Now     func() time.Time
}

// Authenticate implements Authenticator.
func (s *SecretKeys) Authenticate(ctx context.Context, key string) (Principal, error) {
	current, previous, err := s.keySets(ctx)
	if err != nil {
		return Principal{}, err
	}
	p, err := current.Authenticate(ctx, key)
	if err == nil || previous == nil {
		return p, err
	}
	return previous.Authenticate(ctx, key)
}

// keySets returns the keys of the current version (with the static
// ones), and those of the previous version while the overlap lasts (nil
// otherwise).
func (s *SecretKeys) keySets(ctx context.Context) (current, previous *StaticKeys, err error) {
	staged, ok := s.Source.(secrets.Staged)
	if !ok {
		raw, err := s.Source.Get(ctx, s.Name)
		if err != nil {
			return nil, nil, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
		}
		keys, err := secrets.ParseKeys(raw)
		if err != nil {
			return nil, nil, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
		}
		return NewStaticKeys(append(keys, s.Static...)), nil, nil
	}
	cur, err := staged.GetStage(ctx, s.Name, secrets.StageCurrent)
	if err != nil {
		return nil, nil, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
	}
	keys, err := secrets.ParseKeys(cur.Value)
	if err != nil {
		return nil, nil, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
	}
	current = NewStaticKeys(append(keys, s.Static...))
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	if s.Overlap <= 0 || cur.Created.IsZero() || !now().Before(cur.Created.Add(s.Overlap)) {
		return current, nil, nil
	}
	prev, err := staged.GetStage(ctx, s.Name, secrets.StagePrevious)
	if errors.Is(err, secrets.ErrNotFound) {
		return current, nil, nil
	}
	if err != nil {
		// The current keys still work: an unreadable previous version
		// only ends the overlap early.
		Logger(ctx).Warn("previous API keys unavailable: overlap ends early", "error", err.Error())
		return current, nil, nil
	}
	if keys, err = secrets.ParseKeys(prev.Value); err != nil {
		return current, nil, nil
	}
	return current, NewStaticKeys(keys), nil
}
