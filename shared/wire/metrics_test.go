package wire_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/monitor"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// instanceMetrics counts what reaches the installed instance metrics.
type instanceMetrics struct {
	monitor.Nop
	mu                      sync.Mutex
	pages, spider, requests int
	begun                   int
}

func (m *instanceMetrics) RecordPage(monitor.Page) { m.mu.Lock(); m.pages++; m.mu.Unlock() }
func (m *instanceMetrics) RecordSpiderPage(string) { m.mu.Lock(); m.spider++; m.mu.Unlock() }
func (m *instanceMetrics) BeginRequest() func() {
	m.mu.Lock()
	m.begun++
	m.mu.Unlock()
	return func() {}
}
func (m *instanceMetrics) ObserveRequest(string, string, int, time.Duration) {
	m.mu.Lock()
	m.requests++
	m.mu.Unlock()
}

// TestInstallMetrics: a process has no instance metrics until a group
// installs them; records before that are dropped (the Redis buckets and
// EMF still get them), records after reach them even through a recorder
// taken earlier, and the HTTP handler built afterwards reports requests.
func TestInstallMetrics(t *testing.T) {
	ctx := context.Background()
	p, err := wire.New(ctx, "t", config.FromMap(map[string]string{"RIPTIDE_AUTH": "disabled", "RIPTIDE_LOG_LEVEL": "error"}))
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	if p.Metrics != nil || p.HTTPOptions().Metrics != nil {
		t.Fatal("no instance metrics before installation")
	}
	earlier := p.Recorder
	earlier.RecordPage(monitor.Page{Mode: monitor.ModeStatic})
	m := &instanceMetrics{}
	p.InstallMetrics(m)
	earlier.RecordPage(monitor.Page{Mode: monitor.ModeStatic})
	p.Recorder.RecordSpiderPage("ok")
	// A placeholder route, not the API's: keep it out of the recorded
	// traffic the contract test holds to the OpenAPI document.
	t.Setenv(httpx.ContractRecordEnv, "")
	ping := []routes.Route{{Op: "t.ping", Group: "t", Method: "GET", Path: "/ping", Public: true, Status: routes.Ready}}
	h, err := p.HTTPHandler(ping, map[string]http.Handler{"t.ping": http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})})
	if err != nil {
		t.Fatal(err)
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/ping", nil))
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pages != 1 || m.spider != 1 || m.begun != 1 || m.requests != 1 {
		t.Errorf("pages %d, spider %d, begun %d, requests %d; want 1 each", m.pages, m.spider, m.begun, m.requests)
	}
}
