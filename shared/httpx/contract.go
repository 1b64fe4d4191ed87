package httpx

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
)

// ContractRecordEnv names a directory. When it is set, every handler
// NewHandler builds appends each exchange it serves (request and answer)
// to a file there, so that the contract test (internal/contract, `make
// contract`) can hold the traffic of the whole test suite to the OpenAPI
// document. It is test tooling, read from the environment on purpose (no
// test has to opt in), not a configuration variable of the service.
const ContractRecordEnv = "RIPTIDE_CONTRACT_RECORD"

// Exchange is one recorded request and its answer.
type Exchange struct {
	// Binary is the test binary (or program) that served it.
	Binary     string      `json:"binary"`
	Method     string      `json:"method"`
	URL        string      `json:"url"` // path and query
	Header     http.Header `json:"header"`
	Body       []byte      `json:"body,omitempty"`
	BodyCut    bool        `json:"body_cut,omitempty"` // the request body was longer than recorded
	Status     int         `json:"status"`
	RespHeader http.Header `json:"resp_header"`
	RespBody   []byte      `json:"resp_body,omitempty"`
	RespCut    bool        `json:"resp_cut,omitempty"` // the answer was longer than recorded
	// Hijacked: the connection was taken over (a WebSocket) after the
	// status and headers were written.
	Hijacked bool `json:"hijacked,omitempty"`
}

// Recording limits: a longer body is recorded cut and only its status
// and headers are checked.
const (
	recordRequestMax  = 8 << 20
	recordResponseMax = 4 << 20
)

// exchangeLog appends exchanges as JSON lines to one file per process.
type exchangeLog struct {
	mu  sync.Mutex
	f   *os.File
	err error
}

var (
	contractLogOnce sync.Once
	contractLog     *exchangeLog
)

// contractRecorder wraps h to record its exchanges when ContractRecordEnv
// is set; otherwise it returns h unchanged.
func contractRecorder(h http.Handler) http.Handler {
	dir := os.Getenv(ContractRecordEnv)
	if dir == "" {
		return h
	}
	contractLogOnce.Do(func() {
		name := fmt.Sprintf("%s-%d.jsonl", filepath.Base(os.Args[0]), os.Getpid())
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		contractLog = &exchangeLog{f: f, err: err}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := Exchange{Binary: filepath.Base(os.Args[0]), Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone()}
		// The body is recorded as the handler reads it, never ahead of it:
		// reading it here would change what is tested (a refusal decided
		// on the headers must not wait for a slow client's body).
		var tee *teeBody
		if r.Body != nil && r.Body != http.NoBody {
			tee = &teeBody{ReadCloser: r.Body}
			r.Body = tee
		}
		cw := &capturingWriter{ResponseWriter: w}
		h.ServeHTTP(cw, r)
		if tee != nil {
			// A body not read to its end (refused first) is recorded as cut:
			// only the status and headers of such an exchange are checked.
			ex.Body, ex.BodyCut = tee.buf.Bytes(), tee.cut || !tee.eof
			if ex.BodyCut {
				ex.Body = nil
			}
		}
		ex.Status, ex.RespHeader, ex.Hijacked = cw.status, cw.header, cw.hijacked
		if ex.Status == 0 {
			ex.Status, ex.RespHeader = http.StatusOK, w.Header().Clone()
		}
		ex.RespBody, ex.RespCut = cw.body.Bytes(), cw.cut
		if ex.RespCut {
			ex.RespBody = nil
		}
		contractLog.write(ex)
	})
}

func (l *exchangeLog) write(ex Exchange) {
	if l.err != nil {
		return
	}
	line, err := json.Marshal(ex)
	if err != nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, l.err = l.f.Write(append(line, '\n'))
}

// teeBody keeps the first recordRequestMax bytes the handler reads.
type teeBody struct {
	io.ReadCloser
	buf bytes.Buffer
	cut bool
	eof bool
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.ReadCloser.Read(p)
	if room := recordRequestMax - t.buf.Len(); room < n {
		t.cut = true
		t.buf.Write(p[:max(room, 0)])
	} else {
		t.buf.Write(p[:n])
	}
	if errors.Is(err, io.EOF) {
		t.eof = true
	}
	return n, err
}

// capturingWriter keeps the status, the headers as sent and the start of
// the body. Like recorder it unwraps for http.ResponseController.
type capturingWriter struct {
	http.ResponseWriter
	status   int
	header   http.Header
	body     bytes.Buffer
	cut      bool
	hijacked bool
}

func (c *capturingWriter) WriteHeader(code int) {
	if c.status == 0 || (c.status < 200 && code >= 200) {
		c.status, c.header = code, c.ResponseWriter.Header().Clone()
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *capturingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status, c.header = http.StatusOK, c.ResponseWriter.Header().Clone()
	}
	if room := recordResponseMax - c.body.Len(); room < len(p) {
		c.cut = true
		c.body.Write(p[:max(room, 0)])
	} else {
		c.body.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

func (c *capturingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *capturingWriter) Flush() { _ = http.NewResponseController(c.ResponseWriter).Flush() }

func (c *capturingWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c.hijacked = true
	if c.status == 0 {
		c.status, c.header = http.StatusSwitchingProtocols, c.ResponseWriter.Header().Clone()
	}
	if h, ok := c.ResponseWriter.(http.Hijacker); ok {
		return h.Hijack()
	}
	return nil, nil, errors.New("hijack not supported")
}
