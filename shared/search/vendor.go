package search

import (
	"context"
	"net/http"
	"time"

	"github.com/riptidecrawler/riptide/shared/vendorhttp"
)

// DefaultTimeout bounds one vendor call when the caller's context has no
// earlier deadline.
const DefaultTimeout = 20 * time.Second

// vendorClient is what every adapter shares: the HTTP client, the clock and
// the credential source.
type vendorClient struct {
	HTTP *http.Client
	Keys vendorhttp.KeySource
	Now  func() time.Time
}

func (c vendorClient) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

// defaultHTTP is shared by adapters without their own client; it is cheap
// to build (no dialing happens until the first call).
var defaultHTTP = &http.Client{Timeout: DefaultTimeout}

func (c vendorClient) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c vendorClient) key(ctx context.Context, name string) (string, error) {
	if c.Keys == nil {
		return "", missingKey(name)
	}
	return c.Keys.Key(ctx, name)
}

// do sends req and measures the call.
func (c vendorClient) do(ctx context.Context, v vendorhttp.Vendor, req *http.Request) ([]byte, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	start := c.now()
	body, _, err := v.Do(ctx, c.client(), req)
	return body, c.now().Sub(start), err
}
