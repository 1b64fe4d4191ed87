package render

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
)

// pageState follows one tab through the DevTools events: the lifecycle of
// the main frame, the main document's response, requests in flight for
// network idle, the network summary and the console. It is fed by
// chromedp.Listen, which calls it in the order Chrome sent the events, so
// a command's reply is never seen before the events that preceded it.
type pageState struct {
	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change

	mainFrame  cdp.FrameID
	loaderID   cdp.LoaderID
	dcl, load  bool
	status     int
	docURL     string
	lastChange time.Time

	inflight map[network.RequestID]bool
	reqs     map[network.RequestID]reqInfo
	summary  NetworkSummary
	console  []ConsoleMessage
	dropped  int
}

func newPageState() *pageState {
	return &pageState{
		changed:    make(chan struct{}),
		inflight:   map[network.RequestID]bool{},
		reqs:       map[network.RequestID]reqInfo{},
		summary:    NetworkSummary{ByType: map[string]ResourceStats{}},
		lastChange: time.Now(),
	}
}

func (s *pageState) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// setMainFrame records the frame Page.navigate reported.
func (s *pageState) setMainFrame(id cdp.FrameID) {
	s.mu.Lock()
	s.mainFrame = id
	s.mu.Unlock()
}

func (s *pageState) handle(ev any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch ev := ev.(type) {
	case *page.EventLifecycleEvent:
		if s.mainFrame != "" && ev.FrameID != s.mainFrame {
			return
		}
		switch ev.Name {
		case "init":
			s.loaderID, s.dcl, s.load = ev.LoaderID, false, false
		case "DOMContentLoaded":
			if ev.LoaderID == s.loaderID {
				s.dcl = true
			}
		case "load":
			if ev.LoaderID == s.loaderID {
				s.load = true
			}
		}
		s.notify()
	case *network.EventRequestWillBeSent:
		if ev.Request == nil || !strings.HasPrefix(ev.Request.URL, "http") {
			// data: and blob: URLs never touch the network, and Chromium
			// does not always report their end (a worker's blob script).
			return
		}
		typ := strings.ToLower(string(ev.Type))
		if typ == "" {
			typ = "other"
		}
		if ev.RedirectResponse == nil {
			s.summary.Requests++
			st := s.summary.ByType[typ]
			st.Requests++
			s.summary.ByType[typ] = st
		}
		s.reqs[ev.RequestID] = reqInfo{typ: typ, url: ev.Request.URL}
		s.inflight[ev.RequestID] = true
		s.lastChange = time.Now()
		s.notify()
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument || ev.Response == nil {
			return
		}
		if ev.FrameID == s.mainFrame {
			s.status = int(ev.Response.Status)
			s.docURL = ev.Response.URL
		} else if s.inflight[ev.RequestID] {
			// A cross-site iframe loads in its own process, whose
			// loadingFinished this tab never sees; its response is as
			// far as this tab can follow it.
			delete(s.inflight, ev.RequestID)
			s.lastChange = time.Now()
			s.notify()
		}
	case *network.EventLoadingFinished:
		if _, ok := s.reqs[ev.RequestID]; !ok {
			return
		}
		typ := s.reqs[ev.RequestID].typ
		st := s.summary.ByType[typ]
		st.Bytes += int64(ev.EncodedDataLength)
		s.summary.ByType[typ] = st
		s.summary.Bytes += int64(ev.EncodedDataLength)
		delete(s.inflight, ev.RequestID)
		s.lastChange = time.Now()
		s.notify()
	case *network.EventLoadingFailed:
		if _, ok := s.reqs[ev.RequestID]; !ok {
			return
		}
		typ := s.reqs[ev.RequestID].typ
		if typ == "" {
			typ = strings.ToLower(string(ev.Type))
		}
		st := s.summary.ByType[typ]
		st.Failed++
		s.summary.ByType[typ] = st
		s.summary.Failed++
		guard := ev.ErrorText == "net::ERR_ACCESS_DENIED"
		blocked := guard || ev.BlockedReason != "" || ev.ErrorText == "net::ERR_BLOCKED_BY_CLIENT"
		if blocked {
			s.summary.Blocked++
		}
		if guard {
			s.summary.BlockedByGuard++
		}
		if len(s.summary.FailedRequests) < MaxFailedRequestList {
			s.summary.FailedRequests = append(s.summary.FailedRequests, FailedRequest{
				URL: redact(s.reqs[ev.RequestID].url), Type: typ, Error: ev.ErrorText, Blocked: blocked,
			})
		}
		delete(s.inflight, ev.RequestID)
		s.lastChange = time.Now()
		s.notify()
	case *runtime.EventConsoleAPICalled:
		s.addConsole(ConsoleMessage{Type: string(ev.Type), Text: formatArgs(ev.Args), URL: stackURL(ev.StackTrace), Line: stackLine(ev.StackTrace)})
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			text = d.Exception.Description
		}
		s.addConsole(ConsoleMessage{Type: "exception", Text: text, URL: d.URL, Line: d.LineNumber + 1})
	}
}

type reqInfo struct{ typ, url string }

func (s *pageState) addConsole(m ConsoleMessage) {
	if len(s.console) >= MaxConsoleMessages {
		s.dropped++
		return
	}
	if len(m.Text) > 4096 {
		m.Text = m.Text[:4096] + "…"
	}
	s.console = append(s.console, m)
}

// waitFor blocks until cond (called with the lock held) is true.
func (s *pageState) waitFor(ctx context.Context, cond func(*pageState) bool) error {
	for {
		s.mu.Lock()
		ok, ch := cond(s), s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// networkIdle waits until at most maxInflight requests have been in flight
// for idle.
func (s *pageState) networkIdle(ctx context.Context, idle time.Duration, maxInflight int) error {
	for {
		s.mu.Lock()
		quietFor := time.Since(s.lastChange)
		n, ch := len(s.inflight), s.changed
		s.mu.Unlock()
		if n <= maxInflight && quietFor >= idle {
			return nil
		}
		var timer <-chan time.Time
		if n <= maxInflight {
			t := time.NewTimer(idle - quietFor)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-ch:
		case <-timer:
		case <-ctx.Done():
			return fmt.Errorf("%w: %s", ctx.Err(), s.inflightSummary())
		}
	}
}

// inflightSummary names a few requests still in flight, for the error of
// a network idle wait that never came.
func (s *pageState) inflightSummary() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var urls []string
	for id := range s.inflight {
		if len(urls) == 3 {
			break
		}
		urls = append(urls, redact(s.reqs[id].url))
	}
	return fmt.Sprintf("%d requests in flight (%s)", len(s.inflight), strings.Join(urls, ", "))
}

func (s *pageState) snapshot() (NetworkSummary, []ConsoleMessage, int, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sum := s.summary
	sum.ByType = make(map[string]ResourceStats, len(s.summary.ByType))
	for k, v := range s.summary.ByType {
		sum.ByType[k] = v
	}
	sum.FailedRequests = append([]FailedRequest(nil), s.summary.FailedRequests...)
	console := append([]ConsoleMessage{}, s.console...)
	if s.dropped > 0 {
		console = append(console, ConsoleMessage{Type: "info", Text: strconv.Itoa(s.dropped) + " more console messages dropped"})
	}
	return sum, console, s.status, s.docURL
}

// formatArgs renders console arguments roughly as DevTools prints them.
func formatArgs(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		switch {
		case a == nil:
		case a.Type == runtime.RemoteObjectTypeString:
			var s string
			if json.Unmarshal(a.Value, &s) == nil {
				parts = append(parts, s)
			}
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		case a.UnserializableValue != "":
			parts = append(parts, string(a.UnserializableValue))
		case a.Description != "":
			parts = append(parts, a.Description)
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

func stackURL(st *runtime.StackTrace) string {
	if st == nil || len(st.CallFrames) == 0 {
		return ""
	}
	return st.CallFrames[0].URL
}

func stackLine(st *runtime.StackTrace) int64 {
	if st == nil || len(st.CallFrames) == 0 {
		return 0
	}
	return st.CallFrames[0].LineNumber + 1
}
