package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/store"
)

func TestRedisClientLogsAreJSON(t *testing.T) {
	var buf bytes.Buffer
	store.SetClientLogger(slog.New(slog.NewJSONHandler(&buf, nil)))
	defer store.SetClientLogger(slog.Default())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := store.Open(store.Options{URL: "redis://" + addr + "/0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for range 6 { // the pool logs once its dials keep failing
		_ = s.Ping(context.Background())
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if buf.Len() == 0 {
		t.Fatal("the client logged nothing through the logger")
	}
	for _, line := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil || v["component"] != "go-redis" {
			t.Fatalf("not a JSON line of the client: %q", line)
		}
	}
}
