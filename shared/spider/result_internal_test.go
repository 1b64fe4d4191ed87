package spider

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMarshalResultSplicesTheDocument(t *testing.T) {
	res := &Result{URL: "http://a.example/", Status: 200, Document: json.RawMessage(`{"title":"T","text":"x \u003c y"}`)}
	b, err := marshalResult(res)
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
	plain, _ := marshalResult(&Result{URL: "u"})
	if !json.Valid(plain) || strings.Contains(string(plain), "document") {
		t.Fatalf("no document: %s", plain)
	}
}
