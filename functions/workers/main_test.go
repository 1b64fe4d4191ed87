package main

import (
	"testing"

	"github.com/riptidecrawler/riptide/internal/functest"
	"github.com/riptidecrawler/riptide/internal/testenv"
)

// The worker runs on a real Redis: its backup task DUMPs every key type,
// which the embedded store cannot.
func TestSampleEvents(t *testing.T) {
	functest.DriveEventsWith(t, "workers", function.Handler, map[string]string{
		"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t)})
}
