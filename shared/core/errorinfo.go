package core

// ErrorInfo is the failure of one item inside an answer that as a whole
// succeeded: a URL of a /crawl batch, a page of a spider run. It carries
// the same type and message an HTTP error body would.
type ErrorInfo struct {
	Type      ErrorType `json:"type"`
	Message   string    `json:"message"`
	Retryable bool      `json:"retryable"`
	// URL names the item when the record around it does not (a spider
	// run's last_error).
	URL string `json:"url,omitempty"`
}

// InfoOf converts err into the client-facing failure of one item; nil
// gives nil.
func InfoOf(err error) *ErrorInfo {
	e := AsError(err)
	if e == nil {
		return nil
	}
	return &ErrorInfo{Type: e.Type, Message: e.Message, Retryable: e.Retryable()}
}

// AsError turns an item's failure back into an error with the same type
// and message (a render job fails as a whole with its page's cause).
func (e *ErrorInfo) AsError() *Error {
	return &Error{Type: e.Type, Message: e.Message, Permanent: !e.Retryable}
}
