package client

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func collectLines(r io.Reader) ([]string, error) {
	var out []string
	for line, err := range NDJSONLines(r) {
		if err != nil {
			return out, err
		}
		out = append(out, string(line))
	}
	return out, nil
}

func TestNDJSONLines(t *testing.T) {
	in := "{\"a\":1}\n\n{\"b\":2}\r\n  \n{\"c\":3}\n"
	// One byte per read: lines arrive in pieces as they do from a network.
	got, err := collectLines(iotest.OneByteReader(strings.NewReader(in)))
	if err != nil || strings.Join(got, "|") != `{"a":1}|{"b":2}|{"c":3}` {
		t.Fatalf("%q %v", got, err)
	}
}

func TestNDJSONLinesCutMidLine(t *testing.T) {
	got, err := collectLines(strings.NewReader("{\"a\":1}\n{\"b\":"))
	if !errors.Is(err, ErrStreamCut) || len(got) != 1 {
		t.Fatalf("%q %v: want the whole line, then ErrStreamCut", got, err)
	}
	// A read error mid-stream is returned as it is.
	boom := errors.New("connection reset")
	_, err = collectLines(io.MultiReader(strings.NewReader("{\"a\":1}\n"), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("%v", err)
	}
}

func TestSSEEvents(t *testing.T) {
	in := "retry: 2000\n\n" +
		": keep-alive\n\n" +
		"event: result\nid: 1\ndata: {\"a\":1}\n\n" +
		"event: result\r\nid: 2\r\ndata: line one\r\ndata:line two\r\n\r\n" +
		"data: no event name\r\r" +
		"event: summary\nid: 3\ndata: {}\n\n"
	var got []SSEEvent
	for ev, err := range SSEEvents(iotest.OneByteReader(strings.NewReader(in))) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	want := []SSEEvent{
		{Event: "result", ID: "1", Data: []byte(`{"a":1}`)},
		{Event: "result", ID: "2", Data: []byte("line one\nline two")},
		{Event: "message", ID: "2", Data: []byte("no event name")},
		{Event: "summary", ID: "3", Data: []byte("{}")},
	}
	if len(got) != len(want) {
		t.Fatalf("%d events: %+v", len(got), got)
	}
	for i := range want {
		if got[i].Event != want[i].Event || got[i].ID != want[i].ID || string(got[i].Data) != string(want[i].Data) {
			t.Errorf("event %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestSSEEventsCut(t *testing.T) {
	var n int
	var last error
	for _, err := range SSEEvents(strings.NewReader("event: result\ndata: {}\n\nevent: result\ndata: {\"half")) {
		if err != nil {
			last = err
			break
		}
		n++
	}
	if n != 1 || !errors.Is(last, ErrStreamCut) {
		t.Fatalf("%d events, error %v", n, last)
	}
}

// streamServer writes body as a stream of contentType, flushing after each
// chunk, then ends the response (cutting the stream where body ends).
func streamServer(t *testing.T, contentType string, chunks ...string) *Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		for _, c := range chunks {
			_, _ = io.WriteString(w, c)
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
	}))
	t.Cleanup(srv.Close)
	c, _ := New(srv.URL)
	return c
}

func TestCrawlStreamEvents(t *testing.T) {
	c := streamServer(t, "application/x-ndjson",
		`{"type":"metadata","request_id":"r1","timestamp":"2026-12-01T10:00:00Z","total_urls":2,"options":{}}`+"\n",
		`{"type":"result","index":1,"progress":{"completed":1,"total":2,"successful":1,"failed":0},"result":{"url":"http://127.0.0.1/b","status":200,"document":{"title":"B"}}}`+"\n\n",
		`{"type":"result","index":0,"progress":{"completed":2,"total":2,"successful":1,"failed":1},"result":{"url":"http://127.0.0.1/a","error":{"type":"fetch_error","message":"refused","retryable":true}}}`+"\n",
		`{"type":"summary","stats":{"total_urls":2,"successful":1,"failed":1}}`+"\n")
	var types []string
	var titles []string
	for ev, err := range c.CrawlStream(context.Background(), CrawlRequest{URLs: []string{"a", "b"}}) {
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, ev.Type)
		if ev.Result != nil {
			if ev.Result.Result.OK() {
				titles = append(titles, ev.Result.Result.Document.Title)
			} else {
				titles = append(titles, ev.Result.Result.Error.Type)
			}
		}
		if ev.Summary != nil && ev.Summary.Stats.Failed != 1 {
			t.Fatalf("summary %+v", ev.Summary)
		}
	}
	if strings.Join(types, ",") != "metadata,result,result,summary" || strings.Join(titles, ",") != "B,fetch_error" {
		t.Fatalf("%v %v", types, titles)
	}
}

func TestCrawlStreamFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		contentType string
		chunks      []string
		check       func(error) bool
	}{
		"cut mid-line": {"application/x-ndjson", []string{`{"type":"metadata","total_urls":1}` + "\n", `{"type":"result","index":0,"res`},
			func(err error) bool { return errors.Is(err, ErrStreamCut) }},
		"ends without summary": {"application/x-ndjson", []string{`{"type":"metadata","total_urls":1}` + "\n"},
			func(err error) bool { return errors.Is(err, ErrStreamCut) }},
		"error line": {"application/x-ndjson", []string{`{"type":"metadata"}` + "\n",
			`{"type":"error","error":{"type":"dependency_error","message":"redis down","retryable":true,"status":503}}` + "\n"},
			func(err error) bool {
				var e *Error
				return errors.As(err, &e) && e.Type == "dependency_error" && e.Message == "redis down"
			}},
		"SSE cut mid-event": {"text/event-stream", []string{"retry: 1000\n\n", "event: metadata\nid: 0\ndata: {\"type\":\"metadata\"}\n\n", "event: result\nid: 1\ndata: {\"ty"},
			func(err error) bool { return errors.Is(err, ErrStreamCut) }},
	} {
		t.Run(name, func(t *testing.T) {
			c := streamServer(t, tc.contentType, tc.chunks...)
			events := c.CrawlStream
			if tc.contentType == "text/event-stream" {
				events = c.CrawlSSE
			}
			var last error
			n := 0
			for _, err := range events(context.Background(), CrawlRequest{URLs: []string{"a"}}) {
				if err != nil {
					last = err
					break
				}
				n++
			}
			if last == nil || !tc.check(last) {
				t.Fatalf("after %d events: %v", n, last)
			}
		})
	}
}

func TestStreamBreakClosesConnection(t *testing.T) {
	closed := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		for i := 0; ; i++ {
			if _, err := io.WriteString(w, `{"type":"progress","completed":1}`+"\n"); err != nil {
				close(closed)
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				close(closed)
				return
			case <-time.After(time.Millisecond):
			}
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL)
	n := 0
	for _, err := range c.CrawlStream(context.Background(), CrawlRequest{URLs: []string{"a"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the server kept streaming after the loop broke")
	}
}
