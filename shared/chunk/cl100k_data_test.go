package chunk

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"flag"
	"os"
	"testing"

	loader "github.com/pkoukk/tiktoken-go-loader"
)

var update = flag.Bool("update", false, "regenerate cl100k.bin.gz from tiktoken-go-loader")

// TestCL100KRanksMatchTheLoader checks the embedded ranks against
// tiktoken-go-loader's cl100k_base file (a test-only dependency: the
// loader embeds 7 MB of encodings this package does not need).
func TestCL100KRanksMatchTheLoader(t *testing.T) {
	want, err := loader.NewOfflineLoader().LoadTiktokenBpe("cl100k_base.tiktoken")
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		byRank := make([]string, len(want))
		for tok, r := range want {
			if r < 0 || r >= len(want) || byRank[r] != "" {
				t.Fatalf("ranks are not 0..%d without gaps (rank %d)", len(want)-1, r)
			}
			byRank[r] = tok
		}
		var raw bytes.Buffer
		for _, tok := range byRank {
			raw.Write(binary.AppendUvarint(nil, uint64(len(tok))))
			raw.WriteString(tok)
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
		zw.Write(raw.Bytes())
		zw.Close()
		if err := os.WriteFile("cl100k.bin.gz", gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote cl100k.bin.gz: %d ranks, %d bytes", len(byRank), gz.Len())
		return
	}
	got, err := decodeRanks(cl100kRanks)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d ranks, loader has %d", len(got), len(want))
	}
	for tok, r := range want {
		if got[tok] != r {
			t.Fatalf("token %q: rank %d, loader %d", tok, got[tok], r)
		}
	}
}
