package blob_test

import (
	"context"
	"testing"

	"github.com/riptidecrawler/riptide/shared/blob"
	"github.com/riptidecrawler/riptide/shared/blob/blobtest"
)

func TestMemoryStore(t *testing.T) { blobtest.Run(t, blob.NewMemory()) }

func TestDirStore(t *testing.T) {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blobtest.Run(t, d)
}

func TestPrefixedStore(t *testing.T) {
	base := blob.NewMemory()
	blobtest.Run(t, blob.WithPrefix(base, "modules/"))
	// The view's keys live under the prefix in the base store and nowhere else.
	all, err := base.List(t.Context(), "")
	if err != nil || len(all) != 2 {
		t.Fatalf("base store: %+v %v", all, err)
	}
	for _, o := range all {
		if o.Key[:len("modules/")] != "modules/" {
			t.Errorf("key %q outside the prefix", o.Key)
		}
	}
}

// An object put without a content type has none, even where an earlier put
// of the same key had one (the folder keeps types in a file beside the
// object, which such a put does not create).
func TestDirPutWithoutAContentTypeKeepsNone(t *testing.T) {
	d, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := d.Put(ctx, "r/1.json", "application/json", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "r/1.json", "", []byte(`{"a":1}`)); err != nil {
		t.Fatal(err)
	}
	data, obj, err := d.Get(ctx, "r/1.json")
	if err != nil || string(data) != `{"a":1}` || obj.ContentType != "" {
		t.Fatalf("get: %q %+v %v", data, obj, err)
	}
	list, err := d.List(ctx, "r/")
	if err != nil || len(list) != 1 || list[0].ContentType != "" {
		t.Fatalf("list: %+v %v", list, err)
	}
}
