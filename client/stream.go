package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"time"
)

// ErrStreamCut is wrapped by the error a stream iterator yields when the
// stream ends before its last event (the connection dropped, a proxy cut
// it, a line stopped half-way).
var ErrStreamCut = errors.New("riptide: stream cut before its end")

// NDJSONLines yields the lines of an application/x-ndjson body, without
// their newline; blank lines (keep-alives) are skipped. A last line without
// its newline was cut mid-way: it is yielded as an error wrapping
// ErrStreamCut, never as a line.
func NDJSONLines(r io.Reader) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		for {
			line, err := br.ReadBytes('\n')
			if err != nil {
				if errors.Is(err, io.EOF) {
					if len(bytes.TrimSpace(line)) > 0 {
						yield(nil, fmt.Errorf("%w: %d bytes of a line without its newline", ErrStreamCut, len(line)))
					}
					return
				}
				yield(nil, err)
				return
			}
			line = bytes.TrimRight(line, "\r\n")
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if !yield(line, nil) {
				return
			}
		}
	}
}

// SSEEvent is one server-sent event.
type SSEEvent struct {
	// Event is the event's type ("message" when the server named none).
	Event string
	// ID is the event's id, for resuming with Last-Event-ID.
	ID string
	// Data is the event's data lines joined by "\n".
	Data []byte
	// Retry is the reconnection delay the server asked for in this event.
	Retry time.Duration
}

// SSEEvents yields the events of a text/event-stream body as the HTML
// standard parses them: lines end in LF, CRLF or CR; comments (":") are
// skipped; an event is dispatched at a blank line. An event cut before its
// blank line is yielded as an error wrapping ErrStreamCut.
func SSEEvents(r io.Reader) iter.Seq2[SSEEvent, error] {
	return func(yield func(SSEEvent, error) bool) {
		lines := sseLines(bufio.NewReaderSize(r, 64<<10))
		var ev SSEEvent
		var data bytes.Buffer
		pending := false // a field has been seen since the last dispatch
		for line, err := range lines {
			if err != nil {
				if errors.Is(err, io.EOF) {
					if pending {
						yield(SSEEvent{}, fmt.Errorf("%w: an event without its closing blank line", ErrStreamCut))
					}
					return
				}
				yield(SSEEvent{}, err)
				return
			}
			if len(line) == 0 {
				if data.Len() > 0 {
					ev.Data = bytes.TrimSuffix(data.Bytes(), []byte("\n"))
					if ev.Event == "" {
						ev.Event = "message"
					}
					if !yield(ev, nil) {
						return
					}
				}
				ev, pending = SSEEvent{ID: ev.ID}, false // the last id stays, as in a browser
				data = bytes.Buffer{}
				continue
			}
			if line[0] == ':' {
				continue
			}
			pending = true
			name, value, _ := bytes.Cut(line, []byte(":"))
			value = bytes.TrimPrefix(value, []byte(" "))
			switch string(name) {
			case "event":
				ev.Event = string(value)
			case "data":
				data.Write(value)
				data.WriteByte('\n')
			case "id":
				if !bytes.ContainsRune(value, 0) {
					ev.ID = string(value)
				}
			case "retry":
				if ms, err := strconv.Atoi(string(value)); err == nil {
					ev.Retry = time.Duration(ms) * time.Millisecond
				}
			}
		}
	}
}

// sseLines yields lines ended by LF, CRLF or CR, then io.EOF (also for a
// last line without its end, which is dropped: it was cut).
func sseLines(br *bufio.Reader) iter.Seq2[[]byte, error] {
	return func(yield func([]byte, error) bool) {
		var line []byte
		for {
			b, err := br.ReadByte()
			if err != nil {
				yield(nil, err)
				return
			}
			switch b {
			case '\n':
			case '\r':
				if next, err := br.Peek(1); err == nil && next[0] == '\n' {
					_, _ = br.ReadByte()
				}
			default:
				line = append(line, b)
				continue
			}
			if !yield(line, nil) {
				return
			}
			line = line[:0]
		}
	}
}

// streamLine is what every stream event carries: its type, and for an
// error event the error.
type streamLine struct {
	Type  string `json:"type"`
	Error *Error `json:"error,omitempty"`
}

// stream sends c and yields the typed events of its NDJSON or SSE answer.
// decode turns one event's JSON into T. The stream must end with an event
// of type last: an error event ends it with that *Error, and an end before
// last yields an error wrapping ErrStreamCut.
func stream[T any](ctx context.Context, cl *Client, c call, last string, decode func(typ, id string, data []byte) (T, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		resp, err := cl.send(ctx, c)
		if err != nil {
			yield(zero, err)
			return
		}
		defer resp.Body.Close()
		one := func(id string, data []byte) (done, ok bool) {
			var head streamLine
			if err := json.Unmarshal(data, &head); err != nil {
				return true, yield(zero, fmt.Errorf("client: decode stream event: %w", err))
			}
			if head.Type == "error" && head.Error != nil {
				return true, yield(zero, head.Error)
			}
			v, err := decode(head.Type, id, data)
			if err != nil {
				return true, yield(zero, fmt.Errorf("client: decode %s event: %w", head.Type, err))
			}
			return head.Type == last, yield(v, nil)
		}
		if c.accept == "text/event-stream" {
			for ev, err := range SSEEvents(resp.Body) {
				if err != nil {
					yield(zero, err)
					return
				}
				if done, ok := one(ev.ID, ev.Data); done || !ok {
					return
				}
			}
		} else {
			for line, err := range NDJSONLines(resp.Body) {
				if err != nil {
					yield(zero, err)
					return
				}
				if done, ok := one("", line); done || !ok {
					return
				}
			}
		}
		if ctx.Err() != nil {
			yield(zero, ctx.Err())
			return
		}
		yield(zero, fmt.Errorf("%w: no %s event", ErrStreamCut, last))
	}
}
