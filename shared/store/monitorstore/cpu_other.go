//go:build !unix

package monitorstore

import "time"

// processCPUTime is not measured here: the CPU gauge reads 0.
func processCPUTime() (time.Duration, bool) { return 0, false }
