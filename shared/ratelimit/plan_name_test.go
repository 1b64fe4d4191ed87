package ratelimit_test

import (
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/ratelimit"
)

func TestPlanNames(t *testing.T) {
	for name, want := range map[string]bool{
		"free": true, "pro-2": true, "team_a": true, "9lives": true, strings.Repeat("a", 40): true,
		"": false, "-pro": false, "_pro": false, "Pro": false, "pro plan": false, strings.Repeat("a", 41): false,
		"pro\n": false, "é": false,
	} {
		if got := ratelimit.ValidPlanName(name); got != want {
			t.Errorf("ValidPlanName(%q) = %v, want %v", name, got, want)
		}
	}
}
