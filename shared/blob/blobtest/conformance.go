// Package blobtest checks that a blob.Store adapter keeps the port's
// contract; every adapter's tests run it, so they cannot drift.
package blobtest

import (
	"context"
	"errors"
	"testing"

	"github.com/riptidecrawler/riptide/shared/blob"
)

// Run exercises st: put, get, overwrite, list by prefix, delete, missing
// keys and invalid keys.
func Run(t *testing.T, st blob.Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.Put(ctx, "a/one.json", "application/json", []byte(`{"n":1}`)); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := st.Put(ctx, "a/two.bin", "application/octet-stream", []byte{0, 1, 2}); err != nil {
		t.Fatalf("put: %v", err)
	}
	if err := st.Put(ctx, "b/three.txt", "text/plain", []byte("three")); err != nil {
		t.Fatalf("put: %v", err)
	}
	data, obj, err := st.Get(ctx, "a/one.json")
	if err != nil || string(data) != `{"n":1}` || obj.Size != 7 || obj.ContentType != "application/json" || obj.Key != "a/one.json" {
		t.Fatalf("get: %q %+v %v", data, obj, err)
	}
	if err := st.Put(ctx, "a/one.json", "application/json", []byte(`{"n":2}`)); err != nil {
		t.Fatalf("overwrite: %v", err)
	}
	if data, _, _ := st.Get(ctx, "a/one.json"); string(data) != `{"n":2}` {
		t.Fatalf("overwrite not visible: %q", data)
	}
	list, err := st.List(ctx, "a/")
	if err != nil || len(list) != 2 || list[0].Key != "a/one.json" || list[1].Key != "a/two.bin" || list[1].Size != 3 {
		t.Fatalf("list a/: %+v %v", list, err)
	}
	if err := st.Delete(ctx, "a/one.json"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if _, _, err := st.Get(ctx, "a/one.json"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("get after delete: %v, want ErrNotFound", err)
	}
	if err := st.Delete(ctx, "a/one.json"); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("delete missing: %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "../etc/passwd", "a//b", "/abs", "a/./b", "sp ace"} {
		if err := st.Put(ctx, bad, "text/plain", nil); err == nil {
			t.Errorf("key %q accepted", bad)
		}
	}
	all, err := st.List(ctx, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("list all: %+v %v", all, err)
	}
}
