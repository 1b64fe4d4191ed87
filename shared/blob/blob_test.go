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
