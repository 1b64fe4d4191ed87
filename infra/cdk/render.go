package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// RenderCallers names the functions that run the crawl pipeline (crawl,
// crawl-ws, spider, workers, firecrawl) or the stealth tests (stealth): they hand
// pages that need a headless browser to the render function instead of
// carrying Chromium themselves. The function table has no flag for this, so
// this is the one list of them; a name missing from the table is an error,
// so a renamed function cannot silently lose its renderer.
func RenderCallers() []string {
	return []string{"crawl", "crawl-ws", "stealth", "spider", "workers", "firecrawl"}
}

// RenderProps configures rendering: the render function's layer and bucket,
// and who may call it.
type RenderProps struct {
	Table     []routes.Function
	Functions *Functions
	// ChromiumLayerZip is the layer built by layers/chromium/build.sh.
	ChromiumLayerZip string
	// ReservedConcurrency caps (and guarantees) the render function's
	// concurrent instances; NoReservation leaves it in the shared pool.
	ReservedConcurrency int
}

// Render is the render function and what serves it. Nil when the function
// table has no function needing Chromium.
type Render struct {
	// Name is the render function's name in the function table.
	Name     string
	Function awslambda.Function
	// Alias is what callers invoke (RIPTIDE_RENDER_FUNCTION).
	Alias     awslambda.Alias
	Layer     *ChromiumLayer
	Artifacts *Artifacts
}

// renderFunction returns the table entry of the render function: the one
// function needing Chromium. ok is false when there is none.
func renderFunction(table []routes.Function) (f routes.Function, ok bool, err error) {
	var found []string
	for _, t := range table {
		if t.NeedsChromium {
			found = append(found, t.Name)
			f, ok = t, true
		}
	}
	if len(found) > 1 {
		return routes.Function{}, false, fmt.Errorf("functions %v all need Chromium: the render invocation wiring expects exactly one render function", found)
	}
	return f, ok, nil
}

// NewRender attaches the Chromium layer to the render function, gives it
// the artifacts bucket, and lets every function of RenderCallers invoke it.
// The layer and bucket are made in scope under the ids "ChromiumLayer" and
// "Artifacts".
func NewRender(scope constructs.Construct, props *RenderProps) (*Render, error) {
	f, ok, err := renderFunction(props.Table)
	if err != nil || !ok {
		return nil, err
	}
	fn := props.Functions.Get(f.Name)
	if fn == nil {
		return nil, fmt.Errorf("render function %s: not built", f.Name)
	}
	r := &Render{Name: f.Name, Function: fn, Alias: props.Functions.Alias(f.Name)}
	if props.ReservedConcurrency > 0 {
		// At 2 GB an instance, unbounded rendering could take the
		// account's whole concurrency (1,000 by default) from every other
		// function; reserved, it can neither starve them nor be starved.
		fn.Node().DefaultChild().(awslambda.CfnFunction).SetReservedConcurrentExecutions(jsii.Number(float64(props.ReservedConcurrency)))
	}
	if r.Layer, err = NewChromiumLayer(scope, "ChromiumLayer", &ChromiumLayerProps{Zip: props.ChromiumLayerZip}); err != nil {
		return nil, err
	}
	if err := r.Layer.AttachTo(fn, f); err != nil {
		return nil, err
	}
	r.Artifacts = NewArtifacts(scope, "Artifacts")
	r.Artifacts.GrantRender(fn)

	for _, name := range RenderCallers() {
		caller := props.Functions.Get(name)
		if caller == nil {
			return nil, fmt.Errorf("render caller %s (RenderCallers in infra/cdk/render.go) is not in the function table", name)
		}
		if name == f.Name {
			return nil, fmt.Errorf("render caller %s is the render function itself", name)
		}
		r.allowInvoke(caller)
	}
	return r, nil
}

// allowInvoke names the render function's live alias (its ARN, which
// Invoke takes as FunctionName) in caller's environment and lets caller
// invoke exactly that alias: not $LATEST, other versions or other
// functions (Function.GrantInvoke would add "<arn>:*"). Calls through the
// alias follow CodeDeploy's canary like API traffic does.
func (r *Render) allowInvoke(caller awslambda.Function) {
	caller.AddEnvironment(jsii.String("RIPTIDE_RENDER_FUNCTION"), r.Alias.FunctionArn(), nil)
	caller.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("InvokeRenderFunction"),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{r.Alias.FunctionArn()},
	}))
}
