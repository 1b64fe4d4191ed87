package gatewaykeys

import (
	"context"
	"log/slog"
)

// Authenticate checks a credential the way the application does and
// names its caller (a fingerprint, never the credential) and plan.
type Authenticate func(ctx context.Context, credential string) (caller, plan string, err error)

// Authorizer answers API Gateway's authorizer calls: which usage
// identifier key a request is metered on. It never refuses a request; the
// application does that (in RipTide's error shape, with an audit entry).
type Authorizer struct {
	Meter *Meter
	// Authenticate is nil when the deployment has authentication disabled:
	// every request is then metered on the default plan's shared key.
	Authenticate Authenticate
	Logger       *slog.Logger
}

// Decide returns the principal API Gateway logs for the request and the
// usage identifier key to meter it on. credential is the request's API
// key or bearer token ("" when it sent none).
func (a *Authorizer) Decide(ctx context.Context, credential string) (principal, usageKey string) {
	if a.Authenticate == nil {
		return AnonymousCaller, KeyValue(a.Meter.Stack, SharedCaller(DefaultPlan))
	}
	caller, plan := AnonymousCaller, ""
	if credential != "" {
		c, p, err := a.Authenticate(ctx, credential)
		if err == nil {
			caller, plan = c, p
		} else if a.Logger != nil {
			// The application answers and audits the failure; here it only
			// decides the bucket.
			a.Logger.DebugContext(ctx, "authorizer: credential refused, metered as anonymous", slog.String("reason", err.Error()))
		}
	}
	key, err := a.Meter.KeyFor(ctx, caller, plan)
	if err != nil && a.Logger != nil {
		a.Logger.WarnContext(ctx, "authorizer: metering on the plan's shared key", slog.String("caller", caller), slog.String("error", err.Error()))
	}
	return caller, key
}
