package spider

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendResultSplicesTheDocument(t *testing.T) {
	res := &Result{URL: "http://a.example/", Status: 200, Document: json.RawMessage(`{"title":"T","text":"x \u003c y"}`)}
	b, err := appendResult([]byte("stale"), res)
	if err == nil && !strings.HasPrefix(string(b), "stale") {
		t.Fatalf("appendResult must append to the buffer it is given: %s", b)
	}
	b = b[len("stale"):]
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if back.URL != res.URL || back.Status != 200 || string(back.Document) != string(res.Document) {
		t.Fatalf("round trip: %s", b)
	}
	plain, _ := appendResult(nil, &Result{URL: "u"})
	if !json.Valid(plain) || strings.Contains(string(plain), "document") {
		t.Fatalf("no document: %s", plain)
	}
}
