package functest

import (
	"testing"
)

// TestDependencyErrorWithoutChromiumSkips: the render function answers 503
// dependency_error on a machine without Chromium; that is a skip naming
// chromium, not a failure (make test on a fresh machine failed here).
func TestDependencyErrorWithoutChromiumSkips(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("RIPTIDE_CHROMIUM_PATH", "")
	t.Setenv("RIPTIDE_INTEGRATION", "")
	var sub *testing.T
	t.Run("render", func(t *testing.T) {
		sub = t
		checkStatus(t, "render", "POST", "/api/v1/render", 503,
			`{"error":{"type":"dependency_error","message":"headless rendering is not available","retryable":true,"status":503}}`)
	})
	if !sub.Skipped() {
		t.Error("a 503 dependency_error of the render function without Chromium must skip")
	}
}
