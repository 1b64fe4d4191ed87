package httpx

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/secrets"
)

// SecretKeys authenticates against the API keys held in a secret (Secrets
// Manager in AWS). The secret is read through the source's cache on each
// check, so a rotated key set takes effect within the cache TTL without a
// redeploy; during rotation both the old and the new keys are listed.
type SecretKeys struct {
	Source secrets.Source
	Name   string
	Static []string // keys from RIPTIDE_API_KEYS, accepted as well
}

// Authenticate implements Authenticator.
func (s *SecretKeys) Authenticate(ctx context.Context, key string) (Principal, error) {
	raw, err := s.Source.Get(ctx, s.Name)
	if err != nil {
		return Principal{}, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
	}
	keys, err := secrets.ParseKeys(raw)
	if err != nil {
		return Principal{}, core.Wrap(core.ErrDependency, err, "API keys are unavailable")
	}
	return NewStaticKeys(append(keys, s.Static...)).Authenticate(ctx, key)
}
