package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"time"

	"github.com/riptidecrawler/riptide/shared/core"
)

// firstByteTimeoutError and totalTimeoutError are context causes: they say
// which of our budgets cancelled a request.
type firstByteTimeoutError struct{ timeout time.Duration }

func (e *firstByteTimeoutError) Error() string {
	return fmt.Sprintf("no response headers within %s", e.timeout)
}

type totalTimeoutError struct{ timeout time.Duration }

func (e *totalTimeoutError) Error() string {
	return fmt.Sprintf("fetch did not finish within %s", e.timeout)
}

// failure is a classified attempt error: the client-facing core.Error and
// whether sending the same request again may succeed.
type failure struct {
	err       *core.Error
	retryable bool
	// hostFault says the failure speaks about the host's health, for the
	// circuit breaker (a refused connection does; our own cancel does not).
	hostFault bool
}

// classify turns a transport error into a core.Error with a message naming
// the request and the reason, keeping the original error as the cause.
// attemptCtx is the context the request ran under; its cause tells our
// timeouts apart.
func classify(attemptCtx context.Context, what string, err error) failure {
	var ce *core.Error
	if errors.As(err, &ce) {
		return failure{err: ce}
	}
	wrap := func(t core.ErrorType, reason string) *core.Error {
		return core.Wrap(t, err, what+": "+reason)
	}
	if attemptCtx.Err() != nil {
		cause := context.Cause(attemptCtx)
		var fb *firstByteTimeoutError
		var tt *totalTimeoutError
		var ct *connectTimeoutError
		switch {
		case errors.As(cause, &ct):
			return failure{err: wrap(core.ErrTimeout, fmt.Sprintf("connect timeout (%s)", ct.timeout)), retryable: true, hostFault: true}
		case errors.As(cause, &fb):
			return failure{err: wrap(core.ErrTimeout, fmt.Sprintf("no response within %s (first-byte timeout)", fb.timeout)), hostFault: true}
		case errors.As(cause, &tt):
			return failure{err: wrap(core.ErrTimeout, fmt.Sprintf("timed out after %s", tt.timeout))}
		case errors.Is(cause, context.DeadlineExceeded):
			return failure{err: wrap(core.ErrTimeout, "deadline exceeded")}
		default:
			return failure{err: wrap(core.ErrFetch, "canceled")}
		}
	}
	var cte *connectTimeoutError
	if errors.As(err, &cte) {
		return failure{err: wrap(core.ErrTimeout, fmt.Sprintf("connect timeout (%s)", cte.timeout)), retryable: true, hostFault: true}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		switch {
		case dnsErr.IsTimeout:
			return failure{err: wrap(core.ErrTimeout, "DNS lookup of "+dnsErr.Name+" timed out"), retryable: true}
		case dnsErr.IsNotFound:
			return failure{err: wrap(core.ErrFetch, "cannot resolve host "+dnsErr.Name+": no such host")}
		default:
			return failure{err: wrap(core.ErrFetch, "cannot resolve host "+dnsErr.Name), retryable: dnsErr.IsTemporary}
		}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return failure{err: wrap(core.ErrFetch, "connection refused"), retryable: true, hostFault: true}
	case errors.Is(err, syscall.ECONNRESET):
		return failure{err: wrap(core.ErrFetch, "connection reset by peer"), retryable: true, hostFault: true}
	case errors.Is(err, syscall.EHOSTUNREACH):
		return failure{err: wrap(core.ErrFetch, "host unreachable"), retryable: true, hostFault: true}
	case errors.Is(err, syscall.ENETUNREACH):
		return failure{err: wrap(core.ErrFetch, "network unreachable"), retryable: true, hostFault: true}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return failure{err: wrap(core.ErrFetch, "server closed the connection without a complete response"), retryable: true, hostFault: true}
	}
	var (
		unknownAuth x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		alertErr    tls.AlertError
	)
	switch {
	case errors.As(err, &unknownAuth):
		return failure{err: wrap(core.ErrFetch, "TLS certificate signed by an unknown authority")}
	case errors.As(err, &hostErr):
		return failure{err: wrap(core.ErrFetch, "TLS certificate is not valid for "+hostErr.Host)}
	case errors.As(err, &invalidCert):
		return failure{err: wrap(core.ErrFetch, "TLS certificate is invalid: "+invalidCert.Error())}
	case errors.As(err, &verifyErr):
		return failure{err: wrap(core.ErrFetch, "TLS certificate verification failed")}
	case errors.As(err, &recordErr):
		return failure{err: wrap(core.ErrFetch, "TLS handshake failed (server does not speak TLS?)")}
	case errors.As(err, &alertErr):
		return failure{err: wrap(core.ErrFetch, "TLS handshake failed: "+alertErr.Error())}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return failure{err: wrap(core.ErrTimeout, "network timeout"), retryable: true, hostFault: true}
	}
	return failure{err: wrap(core.ErrFetch, err.Error()), hostFault: true}
}
