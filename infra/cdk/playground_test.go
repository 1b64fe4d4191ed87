package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"
)

// TestPlayground: the playground's bucket is private and reached through
// CloudFront's origin access control; the distribution sends the CSP with
// the API's origin; assets are immutable, index.html is no-cache and
// carries the API's URL; cdk-nag finds nothing unexcused.
func TestPlayground(t *testing.T) {
	out := t.TempDir()
	app, err := testApp(out)
	if err != nil {
		t.Fatal(err)
	}
	stack := awscdk.NewStack(app, jsii.String("PlaygroundProbe"), nil)
	api := awsapigateway.NewRestApi(stack, jsii.String("Api"), nil)
	api.Root().AddMethod(jsii.String("GET"), awsapigateway.NewMockIntegration(nil), nil)
	// A stand-in for the stack's REST API (restapi.go, checked there).
	var stub []nagRule
	for _, id := range []string{"APIG1", "APIG2", "APIG3", "APIG4", "APIG6", "COG4"} {
		stub = append(stub, nagRule{ID: "AwsSolutions-" + id, Reason: "test stand-in for the REST API"})
	}
	suppress(api, true, stub...)
	if _, err := NewPlayground(stack, "Playground", &PlaygroundProps{Dir: DefaultPlaygroundDir, API: api}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewPlayground(stack, "Broken", &PlaygroundProps{Dir: t.TempDir(), API: api}); err == nil {
		t.Error("a folder without the build was accepted")
	}
	AddNagChecks(app)
	var tmpl map[string]any
	if r := panics(func() { tmpl = *assertions.Template_FromStack(stack, nil).ToJSON() }); r != nil {
		t.Fatalf("synthesis: %v", r)
	}
	raw, _ := json.Marshal(tmpl)
	doc := string(raw)

	byType := map[string][]map[string]any{}
	for _, r := range tmpl["Resources"].(map[string]any) {
		res := r.(map[string]any)
		byType[res["Type"].(string)] = append(byType[res["Type"].(string)], res)
	}
	if n := len(byType["AWS::CloudFront::Distribution"]); n != 1 {
		t.Fatalf("%d distributions", n)
	}
	dc, _ := json.Marshal(byType["AWS::CloudFront::Distribution"][0])
	for _, want := range []string{`"DefaultRootObject":"index.html"`, `"ViewerProtocolPolicy":"redirect-to-https"`, `"OriginAccessControlId"`} {
		if !strings.Contains(string(dc), want) {
			t.Errorf("distribution without %s: %s", want, dc)
		}
	}
	if n := len(byType["AWS::CloudFront::OriginAccessControl"]); n != 1 {
		t.Errorf("%d origin access controls", n)
	}
	bc, _ := json.Marshal(byType["AWS::S3::Bucket"])
	for _, want := range []string{`"BlockPublicAcls":true`, `"RestrictPublicBuckets":true`, `"SSEAlgorithm":"AES256"`} {
		if !strings.Contains(string(bc), want) {
			t.Errorf("bucket without %s: %s", want, bc)
		}
	}
	hc, _ := json.Marshal(byType["AWS::CloudFront::ResponseHeadersPolicy"])
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", ".execute-api.", `"ReferrerPolicy":"no-referrer"`} {
		if !strings.Contains(string(hc), want) {
			t.Errorf("response headers policy without %s: %s", want, hc)
		}
	}
	deploys := byType["Custom::CDKBucketDeployment"]
	if len(deploys) != 2 {
		t.Fatalf("%d bucket deployments, want the assets and index.html", len(deploys))
	}
	var immutable, noCache bool
	for _, d := range deploys {
		b, _ := json.Marshal(d)
		immutable = immutable || strings.Contains(string(b), `"cache-control":"public, max-age=31536000, immutable"`)
		noCache = noCache || strings.Contains(string(b), `"cache-control":"no-cache"`) && strings.Contains(string(b), `"DistributionPaths":["/","/index.html"]`)
	}
	if !immutable || !noCache {
		b, _ := json.Marshal(deploys)
		t.Errorf("cache headers: assets immutable %v, index.html no-cache with invalidation %v: %s", immutable, noCache, b)
	}
	// index.html gets the API's URL at deploy time (a token in its data).
	if !strings.Contains(doc, `"SourceMarkers"`) {
		t.Error("index.html is deployed without the API's URL")
	}
	// The assets' staging folder holds the build without index.html
	// (deployed apart, with the API's URL).
	staged, _ := filepath.Glob(filepath.Join(out, "asset.*", "assets"))
	if len(staged) != 1 {
		t.Fatalf("staged asset folders with assets/: %v", staged)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(staged[0]), "index.html")); err == nil {
		t.Error("index.html is deployed with the assets too (immutable, without the API's URL)")
	}
	if !strings.Contains(doc, `"PlaygroundUrl"`) {
		t.Error("no PlaygroundUrl output")
	}
	for _, f := range nagFindings(stack, false) {
		t.Errorf("%s %s: %s", f.level, f.path, f.message)
	}
}
