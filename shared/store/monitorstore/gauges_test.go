package monitorstore

import (
	"crypto/sha256"
	"runtime"
	"testing"
	"time"
)

// TestProcessGauges: the CPU gauge reads the process's own work as a share
// of GOMAXPROCS, and the memory gauge at least the heap in use.
func TestProcessGauges(t *testing.T) {
	var c cpuSampler
	if got := c.sample(); got != 0 {
		t.Fatalf("the first sample has nothing to compare with: %v", got)
	}
	// Busy for a while on one goroutine: utilisation above zero and at
	// most 100 %.
	sum := sha256.Sum256(nil)
	for end := time.Now().Add(100 * time.Millisecond); time.Now().Before(end); {
		sum = sha256.Sum256(sum[:])
	}
	got := c.sample()
	if runtime.GOOS != "windows" && (got <= 0 || got > 100) {
		t.Fatalf("CPU after a busy loop: %v %%, want within (0, 100]", got)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	if mem := processMemory(); mem < int64(m.HeapInuse) {
		t.Fatalf("process memory %d below the heap in use %d", mem, m.HeapInuse)
	}
}
