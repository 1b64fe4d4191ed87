package vendorhttp

import "context"

// KeySource resolves a vendor credential by the name of the variable that
// holds it ("SERPER_API_KEY"). shared/secrets.VendorKeys implements it
// (the environment, then a Secrets Manager secret); an unset key is an
// error whose message names the variable and where it may be set.
type KeySource interface {
	Key(ctx context.Context, name string) (string, error)
}
