package blob_test

import (
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
