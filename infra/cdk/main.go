// Command cdk synthesizes RipTide's AWS stack into cdk.out (or $CDK_OUTDIR).
// The stack is derived from the route and function tables in shared/routes;
// see docs/deploy.md, which lists every setting (StackSettings in
// settings.go). Settings come from, highest precedence first: -c key=value
// on the cdk command line, environments/<env>.json for -c riptide:env=<env>
// (or RIPTIDE_ENV), a few environment variables, and the defaults.
// cdk.json holds the CDK feature flags only.
package main

import (
	"fmt"
	"os"

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

func run() (err error) {
	outdir := os.Getenv("CDK_OUTDIR")
	if outdir == "" {
		outdir = "cdk.out" // App's own default is a temp dir
	}
	env := os.Getenv(EnvEnv)
	if v, ok := contextString(CLIContext()[EnvContext]); ok {
		env = v
	}
	ctx, err := AppContext(".", env)
	if err != nil {
		return err
	}
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(outdir), Context: &ctx})
	get := func(ctxKey, envVar string) (string, bool) {
		if v, ok := contextString(app.Node().TryGetContext(jsii.String(ctxKey))); ok {
			return v, true
		}
		if envVar != "" {
			if v := os.Getenv(envVar); v != "" {
				return v, true
			}
		}
		return "", false
	}
	props, err := StackSettings(get)
	if err != nil {
		return err
	}
	name, _ := get("riptide:stackName", "RIPTIDE_STACK_NAME")
	if name == "" {
		name = "RipTide"
	}
	if _, err := NewRiptideStack(app, name, props); err != nil {
		return err
	}
	if v, _ := get("riptide:nag", ""); v != "false" {
		AddNagChecks(app)
	}
	defer func() {
		if r := recover(); r != nil {
			err = synthFailure(outdir, r)
		}
	}()
	return reportMessages(app.Synth(nil))
}
