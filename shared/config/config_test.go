package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/llm"
)

func TestDefaults(t *testing.T) {
	c, err := config.Load(config.FromMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.AuthDisabled || !c.MetricsPublic || c.RedisURL != "" || c.KeyPrefix != "riptide:" ||
		len(c.CORSOrigins) != 1 || c.CORSOrigins[0] != "*" || c.LegacySunset.Year() != 2027 {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestValues(t *testing.T) {
	c, err := config.Load(config.FromMap(map[string]string{
		"RIPTIDE_API_KEYS":     " a, b ,",
		"RIPTIDE_AUTH":         "Disabled",
		"RIPTIDE_CORS_ORIGINS": "",
		"RIPTIDE_ALLOW_CIDRS":  "127.0.0.0/8, 10.1.2.3",
		"RIPTIDE_LOG_LEVEL":    "debug",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.APIKeys) != 2 || c.APIKeys[1] != "b" || !c.AuthDisabled || len(c.CORSOrigins) != 0 {
		t.Fatalf("%+v", c)
	}
	if len(c.AllowCIDRs) != 2 || c.AllowCIDRs[1].String() != "10.1.2.3/32" {
		t.Fatalf("cidrs %v", c.AllowCIDRs)
	}
}

func TestInvalidValuesAreErrors(t *testing.T) {
	for name, v := range map[string]string{
		"RIPTIDE_AUTH":            "maybe",
		"RIPTIDE_METRICS_PUBLIC":  "yes please",
		"RIPTIDE_ALLOW_CIDRS":     "10.0.0.0/99",
		"RIPTIDE_LOG_LEVEL":       "loud",
		"RIPTIDE_LEGACY_SUNSET":   "next year",
		"RIPTIDE_SEARCH_PROVIDER": "bing",
		"RIPTIDE_LLM_PROVIDER":    "gemini",
	} {
		if _, err := config.Load(config.FromMap(map[string]string{name: v})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: error %v should name the variable", name, v, err)
		}
	}
}

// TestREADMEConfigTable keeps the README's configuration table equal to Vars.
func TestREADMEConfigTable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), config.Markdown()) {
		t.Fatalf("README.md configuration table is stale; it must contain exactly:\n%s", config.Markdown())
	}
}

// TestLLMProvidersMatchTheEngine keeps RIPTIDE_LLM_PROVIDER's accepted
// values equal to the llm engine's providers.
func TestLLMProvidersMatchTheEngine(t *testing.T) {
	if strings.Join(config.LLMProviders, ",") != strings.Join(llm.SpecNames(), ",") {
		t.Fatalf("config.LLMProviders %v, llm providers %v", config.LLMProviders, llm.SpecNames())
	}
}
