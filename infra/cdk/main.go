// Command cdk synthesizes RipTide's AWS stack into cdk.out (or $CDK_OUTDIR).
// The stack is derived from the route and function tables in shared/api;
// see docs/deploy.md.
//
// Settings, as CDK context (-c key=value, or cdk.json) or environment:
//
//	riptide:assetDir   RIPTIDE_ASSET_DIR   folder with <function>.zip (../../build)
//	riptide:stackName  RIPTIDE_STACK_NAME  stack name (RipTide)
//	riptide:logLevel                       RIPTIDE_LOG_LEVEL of the functions (info)
//	riptide:redisNodes                     1 or 2 Redis nodes (2)
//	riptide:nag                            "false" skips the cdk-nag checks
//	riptide:chromiumLayer (RIPTIDE_CHROMIUM_LAYER) the render function's layer zip
//	                      (../../layers/chromium/build/chromium-layer.zip)
//	riptide:wsEndpoint    RIPTIDE_WS_ENDPOINT of the WebSocket function; set it
//	                      only behind a custom domain (empty)
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Setting names.
const (
	AssetDirContext = "riptide:assetDir"
	AssetDirEnv     = "RIPTIDE_ASSET_DIR"
	DefaultAssetDir = "../../build"
)

func main() {
	defer jsii.Close()
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "cdk:", err)
		jsii.Close()
		os.Exit(1)
	}
}

func run() error {
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		outdir = "cdk.out" // App's own default is a temp dir
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir)})
	setting := func(ctxKey, env, def string) string {
		if v, ok := app.Node().TryGetContext(jsii.String(ctxKey)).(string); ok && v != "" {
			return v
		}
		if env != "" {
			if v := os.Getenv(env); v != "" {
				return v
			}
		}
		return def
	}
	props := &RiptideStackProps{
		AssetDir:      setting(AssetDirContext, AssetDirEnv, DefaultAssetDir),
		ChromiumLayer: setting(ChromiumLayerContext, ChromiumLayerEnv, DefaultChromiumLayer),
		WSEndpoint:    setting("riptide:wsEndpoint", "", ""),
		LogLevel:      setting("riptide:logLevel", "", "info"),
	}
	if n := setting("riptide:redisNodes", "", ""); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 || v > 6 {
			return fmt.Errorf("riptide:redisNodes=%q: want 1..6", n)
		}
		props.RedisNodes = v
	}
	if _, err := NewRiptideStack(app, setting("riptide:stackName", "RIPTIDE_STACK_NAME", "RipTide"), props); err != nil {
		return err
	}
	if setting("riptide:nag", "", "true") != "false" {
		AddNagChecks(app)
	}
	return reportMessages(app.Synth(nil))
}
