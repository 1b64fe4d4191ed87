package crawlapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/httpx"
)

// The WebSocket protocol (docs/crawl.md). Client messages:
//
//	{"type":"crawl","data":{"urls":[...],"options":{...}}}
//	{"type":"cancel"}   stop the running crawl
//	{"type":"ping"}
//
// Server messages are {"type": t, "data": {...}} with t one of welcome,
// metadata, result, progress, summary, error, pong, cancelled; data holds
// the same objects as the NDJSON lines. Every invalid message gets an error
// reply, never silence.

// Subprotocol is the WebSocket subprotocol the server selects.
const Subprotocol = "riptide.crawl.v1"

// WSMessage is one WebSocket message in either direction.
type WSMessage struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

// WSSend delivers one server message.
type WSSend func(ctx context.Context, typ string, data any) error

// wsEvents adapts a WSSend to the EventStream the batch runner writes to.
type wsEvents struct {
	ctx  context.Context
	send WSSend
}

func (e wsEvents) Send(typ, _ string, v any) error { return e.send(e.ctx, typ, v) }
func (e wsEvents) KeepAlive() error                { return nil } // WebSocket pings keep it alive

// wsError sends an error message in the unified payload shape.
func wsError(ctx context.Context, send WSSend, requestID string, err error) error {
	p := httpx.Payload(nil, err)
	p.RequestID = requestID
	return send(ctx, "error", ErrorLine{Type: "error", Error: p})
}

// parseCrawl decodes and validates the data of a crawl message.
func parseCrawl(data json.RawMessage) (Request, error) {
	var req Request
	if len(data) == 0 {
		return req, core.Errorf(core.ErrValidation, "crawl message needs data: {\"urls\": [...], \"options\": {...}}")
	}
	if err := httpx.DecodeBytes(data, &req, false); err != nil {
		return req, err
	}
	// Validated with the built-in strategies; the pipeline compiles the
	// spec again with its own when it crawls.
	if err := req.normalize(nil); err != nil {
		return req, err
	}
	if req.Options.UseSpider {
		return req, errUseSpiderOnStream
	}
	return req, nil
}

// HandleMessage runs one client message to completion, sending replies
// through send. It is the whole protocol for the stateless AWS home, where
// each message is one Lambda invocation.
func (d Deps) HandleMessage(ctx context.Context, requestID string, raw []byte, send WSSend) error {
	var msg WSMessage
	if err := httpx.DecodeBytes(raw, &msg, false); err != nil {
		return wsError(ctx, send, requestID, err)
	}
	switch msg.Type {
	case "ping":
		return send(ctx, "pong", map[string]any{"type": "pong", "timestamp": time.Now().UTC()})
	case "crawl":
		req, err := parseCrawl(msg.Data)
		if err != nil {
			return wsError(ctx, send, requestID, err)
		}
		return d.run(ctx, requestID, req, wsEvents{ctx: ctx, send: send})
	case "cancel":
		return wsError(ctx, send, requestID, core.Errorf(core.ErrConflict, "no crawl is running on this connection"))
	default:
		return wsError(ctx, send, requestID, core.Errorf(core.ErrValidation, "unknown message type %q; types are crawl, cancel, ping", msg.Type))
	}
}

// envelope encodes a server message.
func envelope(typ string, data any) ([]byte, error) {
	return httpx.MarshalJSON(struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}{typ, data})
}

// WebSocketMessage is HandleMessage for transports that move bytes (the API
// Gateway WebSocket API): it decodes the client message and encodes every
// reply as a {"type","data"} envelope.
func (d Deps) WebSocketMessage(ctx context.Context, requestID string, body []byte, send func(context.Context, []byte) error) error {
	return d.HandleMessage(ctx, requestID, body, func(ctx context.Context, typ string, data any) error {
		b, err := envelope(typ, data)
		if err != nil {
			return err
		}
		return send(ctx, b)
	})
}

// websocket serves GET /api/v1/crawl/ws on the local server. Crawls run in
// the background so pings and cancel are answered while one is running.
func (d Deps) websocket(w http.ResponseWriter, r *http.Request) {
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: []string{Subprotocol},
		// Auth is by key or token, never by cookie, so a cross-origin page
		// gains nothing a direct client does not have (no CSWSH risk).
		InsecureSkipVerify: true,
	})
	if err != nil {
		return // Accept has answered the client
	}
	c.SetReadLimit(1 << 20)
	ctx, cancelConn := context.WithCancel(r.Context())
	defer cancelConn()
	requestID := httpx.RequestID(r.Context())
	var writeMu sync.Mutex
	send := func(ctx context.Context, typ string, data any) error {
		b, err := envelope(typ, data)
		if err != nil {
			return err
		}
		writeMu.Lock()
		defer writeMu.Unlock()
		return c.Write(ctx, websocket.MessageText, b)
	}
	_ = send(ctx, "welcome", map[string]any{"type": "welcome", "request_id": requestID, "protocol": Subprotocol,
		"messages": []string{"crawl", "cancel", "ping"}})

	var (
		runMu     sync.Mutex
		cancelRun context.CancelFunc
		runs      sync.WaitGroup
	)
	defer runs.Wait()
	for {
		typ, raw, err := c.Read(ctx)
		if err != nil {
			runMu.Lock()
			if cancelRun != nil {
				cancelRun()
			}
			runMu.Unlock()
			return
		}
		if typ != websocket.MessageText {
			_ = wsError(ctx, send, requestID, core.Errorf(core.ErrValidation, "binary messages are not supported; send JSON text"))
			continue
		}
		var msg WSMessage
		if err := httpx.DecodeBytes(raw, &msg, false); err != nil {
			_ = wsError(ctx, send, requestID, err)
			continue
		}
		runMu.Lock()
		running := cancelRun != nil
		switch {
		case msg.Type == "cancel" && running:
			cancelRun()
			runMu.Unlock()
			continue
		case msg.Type == "crawl" && running:
			runMu.Unlock()
			_ = wsError(ctx, send, requestID, core.Errorf(core.ErrConflict, "a crawl is already running on this connection; cancel it or wait for its summary"))
			continue
		case msg.Type == "crawl":
			req, err := parseCrawl(msg.Data)
			if err != nil {
				runMu.Unlock()
				_ = wsError(ctx, send, requestID, err)
				continue
			}
			runCtx, cancel := context.WithCancel(ctx)
			cancelRun = cancel
			runs.Add(1)
			go func() {
				defer runs.Done()
				err := d.run(runCtx, requestID, req, wsEvents{ctx: ctx, send: send})
				if errors.Is(err, context.Canceled) && ctx.Err() == nil {
					_ = send(ctx, "cancelled", map[string]any{"type": "cancelled"})
				}
				runMu.Lock()
				cancelRun = nil
				runMu.Unlock()
				cancel()
			}()
			runMu.Unlock()
			continue
		}
		runMu.Unlock()
		_ = d.HandleMessage(ctx, requestID, raw, send)
	}
}

// TokenResponse is the body of POST /api/v1/crawl/ws/token.
type TokenResponse struct {
	Token       string    `json:"token"`
	ExpiresAt   time.Time `json:"expires_at"`
	TTLMS       int64     `json:"ttl_ms"`
	Subprotocol string    `json:"subprotocol"`
}

// TokenRequest is the optional body of POST /api/v1/crawl/ws/token.
type TokenRequest struct {
	TTLMS int64 `json:"ttl_ms,omitempty"`
}

// DefaultTokenTTL is a token's lifetime unless the request asks otherwise.
const DefaultTokenTTL = time.Minute

func (d Deps) wsToken(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if err := httpx.Decode(r, &req); err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	ttl := DefaultTokenTTL
	if req.TTLMS != 0 {
		ttl = time.Duration(req.TTLMS) * time.Millisecond
		if ttl < time.Second || ttl > httpx.MaxTokenTTL {
			httpx.WriteError(w, r, core.Errorf(core.ErrValidation, "ttl_ms must be between 1000 and %d", httpx.MaxTokenTTL.Milliseconds()))
			return
		}
	}
	if d.Tokens == nil {
		httpx.WriteError(w, r, core.Errorf(core.ErrNotImplemented, "WebSocket tokens are not wired in this process"))
		return
	}
	tok, exp, err := d.Tokens.IssueToken(r.Context(), httpx.CredentialFromRequest(r), ttl, time.Now())
	if err != nil {
		httpx.WriteError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, TokenResponse{Token: tok, ExpiresAt: exp.UTC(), TTLMS: ttl.Milliseconds(), Subprotocol: Subprotocol})
}

var _ httpx.EventStream = wsEvents{}
