package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// Chromium layer settings.
const (
	ChromiumLayerContext = "riptide:chromiumLayer"
	ChromiumLayerEnv     = "RIPTIDE_CHROMIUM_LAYER"
	DefaultChromiumLayer = "../../layers/chromium/build/chromium-layer.zip"
)

// Where layers/chromium/build.sh (build mode) puts things; Lambda unpacks a
// layer under /opt and puts /opt/lib on LD_LIBRARY_PATH itself.
const (
	ChromiumBinary = "/opt/chromium/chromium"
	ChromiumFonts  = "/opt/fonts"
)

// ChromiumLayerProps configures the layer.
type ChromiumLayerProps struct {
	// Zip is the layer zip (about 90 MB; 210 MB unpacked). Above Lambda's
	// 50 MB direct-upload limit, so it goes through the CDK asset bucket
	// like the function code.
	Zip string
}

// ChromiumLayer is the Lambda layer holding the headless Chromium of
// @sparticuz/chromium, its libraries and fonts (layers/chromium/build.sh).
type ChromiumLayer struct {
	Layer awslambda.LayerVersion
}

// NewChromiumLayer makes the layer from the zip; it is an x86-64 build for
// Amazon Linux 2023, so it declares exactly that.
func NewChromiumLayer(scope constructs.Construct, id string, props *ChromiumLayerProps) (*ChromiumLayer, error) {
	if err := CheckChromiumLayer(props.Zip); err != nil {
		return nil, err
	}
	layer := awslambda.NewLayerVersion(scope, jsii.String(id), &awslambda.LayerVersionProps{
		Description:             jsii.String("RipTide: headless Chromium (@sparticuz/chromium) with its libraries and fonts"),
		Code:                    awslambda.Code_FromAsset(jsii.String(props.Zip), nil),
		CompatibleArchitectures: &[]awslambda.Architecture{awslambda.Architecture_X86_64()},
		CompatibleRuntimes:      &[]awslambda.Runtime{awslambda.Runtime_PROVIDED_AL2023()},
	})
	return &ChromiumLayer{Layer: layer}, nil
}

// AttachTo adds the layer to fn (table entry f) and points the renderer at
// the binary and fonts in it. FONTCONFIG_PATH matters: without a font the
// headless shell aborts on pages with form controls (docs/render.md).
func (c *ChromiumLayer) AttachTo(fn awslambda.Function, f routes.Function) error {
	if f.Architecture() != "x86_64" {
		return fmt.Errorf("function %s needs Chromium but is %s: the Chromium layer is x86-64 only", f.Name, f.Architecture())
	}
	fn.AddLayers(c.Layer)
	fn.AddEnvironment(jsii.String("RIPTIDE_CHROMIUM_PATH"), jsii.String(ChromiumBinary), nil)
	fn.AddEnvironment(jsii.String("FONTCONFIG_PATH"), jsii.String(ChromiumFonts), nil)
	return nil
}

// CheckChromiumLayer reports a missing layer zip with the command that
// builds it, instead of a CDK stack trace.
func CheckChromiumLayer(zip string) error {
	if st, err := os.Stat(zip); err != nil || st.IsDir() {
		return fmt.Errorf("chromium layer missing: %s (run `layers/chromium/build.sh`, or point %s / -c %s at the zip)",
			zip, ChromiumLayerEnv, ChromiumLayerContext)
	}
	return nil
}
