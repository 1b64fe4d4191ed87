package httpx

import (
	"net/http"
)

// FirecrawlError is Firecrawl's error body, written for the routes of the
// Firecrawl-compatible facade (routes.FirecrawlErrors) so that its SDKs,
// which read response.data.error, show the real message. Code carries
// RipTide's error type; Details its field details.
type FirecrawlError struct {
	Success   bool   `json:"success"`
	Error     string `json:"error"`
	Code      string `json:"code,omitempty"`
	Details   any    `json:"details,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// firecrawlStatus keeps the statuses Firecrawl's SDKs explain to their
// users (400, 401, 402, 403, 404, 408, 409, 413, 429, 500) and folds the
// other server-side ones (502 fetch_error, 503 dependency_error, 504
// timeout ...) into Firecrawl's: the SDKs print "Unexpected error" without
// the message for any other status. The type stays in code.
func firecrawlStatus(p ErrorPayload) int {
	switch {
	case p.Status == http.StatusGatewayTimeout:
		return http.StatusRequestTimeout
	case p.Status > http.StatusInternalServerError:
		return http.StatusInternalServerError
	case p.Status == http.StatusUnprocessableEntity:
		// extraction_error: the page was fetched but nothing could be read.
		return http.StatusInternalServerError
	}
	return p.Status
}

func writeFirecrawlError(w http.ResponseWriter, p ErrorPayload) {
	body := FirecrawlError{Error: p.Message, Code: string(p.Type), RequestID: p.RequestID}
	if len(p.Details) > 0 {
		body.Details = p.Details
	}
	WriteJSON(w, firecrawlStatus(p), body)
}
