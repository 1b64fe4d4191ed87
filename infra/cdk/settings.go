package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Context files. cdk.json holds the CDK feature flags (and nothing of
// RipTide's: its context reaches the app through CDK_CONTEXT_JSON with the
// same weight as -c values); environments/<env>.json holds each deployment
// environment's settings.
const (
	CDKJSON         = "cdk.json"
	EnvironmentsDir = "environments"
	// EnvContext (RIPTIDE_ENV) names the environment file to load: dev,
	// staging or prod. Empty loads none (the defaults below).
	EnvContext = "riptide:env"
	EnvEnv     = "RIPTIDE_ENV"
)

// AppContext is the context the app starts with, lowest precedence first:
// the context of cdk.json in dir (feature flags), then the environment file
// named by env. The CDK CLI's own context (-c, cdk.context.json) is applied
// by awscdk.NewApp on top, so the command line always wins.
//
// `go run .` (make synth) and the tests read cdk.json here because only the
// CLI passes it to the app; without this the flags would apply to
// `cdk deploy` but not to what `make synth` and the tests check.
func AppContext(dir, env string) (map[string]any, error) {
	ctx := map[string]any{}
	raw, err := os.ReadFile(filepath.Join(dir, CDKJSON))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", CDKJSON, err)
	}
	var cdk struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &cdk); err != nil {
		return nil, fmt.Errorf("%s: %w", CDKJSON, err)
	}
	for k, v := range cdk.Context {
		if strings.HasPrefix(k, "riptide:") {
			return nil, fmt.Errorf("%s sets %s: RipTide settings belong in %s/<env>.json or -c", CDKJSON, k, EnvironmentsDir)
		}
		ctx[k] = v
	}
	if env == "" {
		return ctx, nil
	}
	path := filepath.Join(dir, EnvironmentsDir, env+".json")
	raw, err = os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("environment %q: %w (one of %s)", env, err, strings.Join(Environments(dir), ", "))
	}
	var vals map[string]any
	if err := json.Unmarshal(raw, &vals); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for k, v := range vals {
		if strings.HasPrefix(k, "_") {
			continue // "_comment"
		}
		if !strings.HasPrefix(k, "riptide:") {
			return nil, fmt.Errorf("%s: %s is not a riptide: setting", path, k)
		}
		ctx[k] = v
	}
	return ctx, nil
}

// Environments lists the environment files in dir/environments.
func Environments(dir string) []string {
	matches, _ := filepath.Glob(filepath.Join(dir, EnvironmentsDir, "*.json"))
	var out []string
	for _, m := range matches {
		out = append(out, strings.TrimSuffix(filepath.Base(m), ".json"))
	}
	return out
}

// CLIContext returns the context the CDK CLI hands the app (CDK_CONTEXT_JSON),
// so riptide:env given with -c is known before the App exists.
func CLIContext() map[string]any {
	var m map[string]any
	_ = json.Unmarshal([]byte(os.Getenv("CDK_CONTEXT_JSON")), &m)
	return m
}

// Lookup reads one setting: the App's context, else an environment
// variable (when env is not empty).
type Lookup func(ctxKey, env string) (string, bool)

// contextString renders a context value (JSON files give numbers and
// booleans, -c gives strings) as a string.
func contextString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", false
	case string:
		return x, x != ""
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return fmt.Sprint(v), true
}

// StackSettings turns the settings into stack properties. Every setting is
// documented in docs/deploy.md.
func StackSettings(get Lookup) (*RiptideStackProps, error) {
	str := func(key, env, def string) string {
		if v, ok := get(key, env); ok {
			return v
		}
		return def
	}
	p := &RiptideStackProps{
		AssetDir:       str(AssetDirContext, AssetDirEnv, DefaultAssetDir),
		ChromiumLayer:  str(ChromiumLayerContext, ChromiumLayerEnv, DefaultChromiumLayer),
		WSEndpoint:     str("riptide:wsEndpoint", "", ""),
		LogLevel:       str("riptide:logLevel", "", "info"),
		AlarmEmail:     str("riptide:alarmEmail", "", ""),
		BackupSchedule: str("riptide:backupSchedule", "", ""),
		// docs/runbooks/restore.md
		RedisRestoreSnapshot: str("riptide:redisRestoreSnapshot", "", ""),
	}
	var err error
	intSetting := func(key string, lo, hi int, dst *int) {
		if err != nil {
			return
		}
		v, ok := get(key, "")
		if !ok {
			return
		}
		n, perr := strconv.Atoi(v)
		if perr != nil || n < lo || n > hi {
			err = fmt.Errorf("%s=%q: want a whole number in %d..%d", key, v, lo, hi)
			return
		}
		*dst = n
	}
	intSetting("riptide:redisNodes", 1, 6, &p.RedisNodes)
	intSetting("riptide:natGateways", 1, 2, &p.NatGateways)
	// 0 turns the reservation off (a new account's concurrency quota may be
	// too small to reserve anything): NoRenderReservation in the props.
	renderConcurrency := -1
	intSetting("riptide:renderConcurrency", 0, 1000, &renderConcurrency)
	switch renderConcurrency {
	case -1:
	case 0:
		p.RenderConcurrency = NoReservation
	default:
		p.RenderConcurrency = renderConcurrency
	}
	intSetting("riptide:spiderContinueAfter", 1, 2500, &p.SpiderContinueAfter)
	intSetting("riptide:wafRateLimit", 100, 2_000_000_000, &p.WAFRateLimit)
	if err != nil {
		return nil, err
	}
	if v, ok := get("riptide:interfaceEndpoints", ""); ok {
		if p.InterfaceEndpoints, err = ParseEndpoints(v); err != nil {
			return nil, err
		}
	}
	if v, ok := get("riptide:canary", ""); ok {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return nil, fmt.Errorf("riptide:canary=%q: want true or false", v)
		}
		p.AllAtOnce = !b
	}
	if v, ok := get("riptide:playground", ""); ok {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			return nil, fmt.Errorf("riptide:playground=%q: want true or false", v)
		}
		p.Playground = b
	}
	return p, nil
}
