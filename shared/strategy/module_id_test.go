package strategy_test

import (
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/strategy"
)

func TestModuleIDs(t *testing.T) {
	hex64 := strings.Repeat("0123456789abcdef", 4)
	for id, want := range map[string]bool{
		hex64: true, hex64[:63]: false, hex64 + "0": false, strings.ToUpper(hex64): false,
		hex64[:63] + "g": false, "": false, hex64[:32] + "\n" + hex64[33:]: false,
	} {
		if got := strategy.ValidModuleID(id); got != want {
			t.Errorf("ValidModuleID(%q) = %v, want %v", id, got, want)
		}
	}
}
