package store

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/privacy"
)

// PrivacySources are the Redis data kept under a caller's principal, for
// export and deletion of one tenant's data (docs/privacy.md). Key records
// and key usage are handled by the key service itself; the audit trail is
// exported but kept (docs/data-retention.md).
func PrivacySources(s *Store) []privacy.Source {
	return []privacy.Source{llmUsageSource{s}, rateLimitSource{s}, gatewayKeySource{NewGatewayKeyMemo(s)}, auditSource{NewAuditLog(s)}}
}

// gatewayKeySource covers the authorizer's memo of each caller's API
// Gateway key (which key, which plan). The API Gateway key itself, named
// by the caller's id and holding nothing else, stays in API Gateway
// (docs/data-retention.md).
type gatewayKeySource struct{ m *GatewayKeyMemo }

func (gatewayKeySource) Name() string { return "gateway_keys" }

func (g gatewayKeySource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	out := map[string]any{}
	for _, p := range sub.Principals {
		e, ok, err := g.m.Get(ctx, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out[p] = e
		}
	}
	return out, nil
}

func (g gatewayKeySource) Delete(ctx context.Context, sub privacy.Subject) (int64, error) {
	var n int64
	for _, p := range sub.Principals {
		d, err := g.m.s.Client.Del(ctx, g.m.key(p)).Result()
		if err != nil {
			return n, err
		}
		n += d
	}
	return n, nil
}

type llmUsageSource struct{ s *Store }

func (llmUsageSource) Name() string { return "llm_usage" }

func (l llmUsageSource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	out := map[string]map[string]string{}
	for _, p := range sub.Principals {
		m, err := l.s.Client.HGetAll(ctx, l.s.Key("llm", "usage", p)).Result()
		if err != nil {
			return nil, err
		}
		if len(m) > 0 {
			out[p] = m
		}
	}
	return out, nil
}

func (l llmUsageSource) Delete(ctx context.Context, sub privacy.Subject) (int64, error) {
	var n int64
	for _, p := range sub.Principals {
		d, err := l.s.Client.Del(ctx, l.s.Key("llm", "usage", p)).Result()
		if err != nil {
			return n, err
		}
		n += d
	}
	return n, nil
}

// rateLimitSource covers the per-minute counters (they expire within two
// minutes anyway; deletion removes them at once).
type rateLimitSource struct{ s *Store }

func (rateLimitSource) Name() string { return "rate_limit_counters" }

func (r rateLimitSource) keys(ctx context.Context, sub privacy.Subject) ([]string, error) {
	var out []string
	for _, p := range sub.Principals {
		iter := r.s.Client.Scan(ctx, 0, r.s.Key("ratelimit", p)+":*", 200).Iterator()
		for iter.Next(ctx) {
			out = append(out, iter.Val())
		}
		if err := iter.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r rateLimitSource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	ks, err := r.keys(ctx, sub)
	return len(ks), err
}

func (r rateLimitSource) Delete(ctx context.Context, sub privacy.Subject) (int64, error) {
	ks, err := r.keys(ctx, sub)
	if err != nil || len(ks) == 0 {
		return 0, err
	}
	return r.s.Client.Del(ctx, ks...).Result()
}

// auditSource exports the tenant's audit entries. They are not deleted:
// the trail is a security record whose chain a deletion would break.
type auditSource struct{ log *AuditLog }

func (auditSource) Name() string { return "audit_entries" }

func (a auditSource) Export(ctx context.Context, sub privacy.Subject) (any, error) {
	return a.log.EntriesOf(ctx, sub.Tenant, sub.Principals)
}

func (auditSource) Delete(context.Context, privacy.Subject) (int64, error) { return 0, nil }
