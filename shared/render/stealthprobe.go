package render

import (
	"context"

	"github.com/riptidecrawler/riptide/shared/stealth"
)

// StealthProbe lets stealth.Test drive any Renderer. With pageURL empty
// the detection page is rendered inline (nothing is fetched, so it works
// from the render Lambda too) at a loopback origin, which is a secure
// context as the UA-CH API needs. With pageURL set, that URL is loaded;
// serve stealth.DetectionHandler there to have the request headers
// checked as well.
func StealthProbe(r Renderer, pageURL string) stealth.Probe {
	return func(ctx context.Context, opts stealth.Options) (string, error) {
		req := Request{
			URL:     pageURL,
			Stealth: &opts,
			Wait:    []WaitCondition{{Type: WaitLoad}, {Type: WaitSelector, Selector: stealth.ReportSelector}},
		}
		if pageURL == "" {
			req.URL = "http://127.0.0.1/__riptide/stealth-check"
			req.HTML = string(stealth.DetectionPage(nil))
		}
		res, err := r.Render(ctx, req)
		if err != nil {
			return "", err
		}
		return res.HTML, nil
	}
}
