package core

import "context"

type payerKey struct{}

// WithPayer returns ctx carrying billing: who pays for work done under ctx
// outside any request (a queued job started by a worker, a scheduled
// firing). The value is opaque here (httpx.BillingOf makes it and
// httpx.LaterCharges reads it); engines only carry it along.
func WithPayer(ctx context.Context, billing string) context.Context {
	if billing == "" {
		return ctx
	}
	return context.WithValue(ctx, payerKey{}, billing)
}

// PayerOf returns the billing WithPayer put in ctx, or "".
func PayerOf(ctx context.Context) string {
	b, _ := ctx.Value(payerKey{}).(string)
	return b
}
