package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DefaultPlaygroundDir is the committed build of the web playground,
// relative to infra/cdk.
const DefaultPlaygroundDir = "../../web/playground/dist"

// playgroundAPIMeta is the tag of index.html that tells the app where the
// API is (empty: the page's own origin, as under `riptide serve`).
const playgroundAPIMeta = `<meta name="riptide-api" content="" />`

// PlaygroundProps configures the web playground's hosting.
type PlaygroundProps struct {
	// Dir is the playground's build (DefaultPlaygroundDir).
	Dir string
	// API is the REST API the page calls, cross-origin (CORS is open by
	// default: RIPTIDE_CORS_ORIGINS). Calls go to API Gateway directly,
	// not through CloudFront, so its WAF keeps seeing each client's IP.
	API awsapigateway.RestApi
	// AccessLogs receives the bucket's server access logs.
	AccessLogs awss3.IBucket
}

// Playground is the web playground on S3 behind CloudFront.
type Playground struct {
	constructs.Construct
	Bucket       awss3.Bucket
	Distribution awscloudfront.Distribution
}

// NewPlayground serves the playground's build from a private bucket
// through CloudFront (origin access control): the hashed assets with a
// year-long immutable Cache-Control, index.html with no-cache and the API's
// URL written into it, and the same security headers `riptide serve` sends
// (the CSP's connect-src names the API's origin instead of 'self').
func NewPlayground(scope constructs.Construct, id string, p *PlaygroundProps) (*Playground, error) {
	index, err := os.ReadFile(filepath.Join(p.Dir, "index.html"))
	if err != nil {
		return nil, fmt.Errorf("playground build: %w (make playground builds it)", err)
	}
	if !strings.Contains(string(index), playgroundAPIMeta) {
		return nil, fmt.Errorf("playground build: %s/index.html has no %s", p.Dir, playgroundAPIMeta)
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(c)

	bucket := awss3.NewBucket(c, jsii.String("Files"), &awss3.BucketProps{
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:        awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		ServerAccessLogsBucket: p.AccessLogs,
		ServerAccessLogsPrefix: jsii.String("playground/"),
		// The files are rebuilt from the repository: nothing to keep, but
		// CloudFormation cannot delete a non-empty bucket (docs/deploy.md).
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	apiOrigin := "https://" + *p.API.RestApiId() + ".execute-api." + *stack.Region() + "." + *stack.UrlSuffix()
	csp := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
		"connect-src 'self' " + apiOrigin + "; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	headers := awscloudfront.NewResponseHeadersPolicy(c, jsii.String("Headers"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("RipTide playground: CSP and security headers (as riptide serve sends them)"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: jsii.String(csp), Override: jsii.Bool(true)},
			ContentTypeOptions:    &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:          &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy:        &awscloudfront.ResponseHeadersReferrerPolicy{ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_NO_REFERRER, Override: jsii.Bool(true)},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(365)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
		},
	})
	dist := awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment:           jsii.String("RipTide playground"),
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(), // honours the objects' Cache-Control
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
		},
	})
	suppress(dist, false,
		nagRule{ID: "AwsSolutions-CFR1", Reason: "The playground is a public page for the API's users; where they may call the API from is the API's WAF's business."},
		nagRule{ID: "AwsSolutions-CFR2", Reason: "Static files only, cached at the edge; the API the page calls has its own WAF (regional, per client IP)."},
		nagRule{ID: "AwsSolutions-CFR3", Reason: "The files are public and static; the bucket's server access logs record CloudFront's fetches, and the API logs every call the page makes."},
		nagRule{ID: "AwsSolutions-CFR4", Reason: "The default *.cloudfront.net certificate: a custom domain with its certificate (and TLSv1.2_2021) is the deployer's choice (docs/deploy.md)."},
	)

	// Assets first, then index.html: a page never names an asset that is
	// not there yet. Old assets stay (no prune) for pages still open.
	assets := awss3deployment.NewBucketDeployment(c, jsii.String("Assets"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources: &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(p.Dir), &awss3assets.AssetOptions{
			Exclude: jsii.Strings("index.html"),
		})},
		CacheControl: &[]awss3deployment.CacheControl{awss3deployment.CacheControl_FromString(jsii.String("public, max-age=31536000, immutable"))},
		Prune:        jsii.Bool(false),
	})
	page := strings.Replace(string(index), playgroundAPIMeta, `<meta name="riptide-api" content="`+*p.API.Url()+`" />`, 1)
	indexDeploy := awss3deployment.NewBucketDeployment(c, jsii.String("Index"), &awss3deployment.BucketDeploymentProps{
		DestinationBucket: bucket,
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Data(jsii.String("index.html"), jsii.String(page), nil)},
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
		ContentType:       jsii.String("text/html; charset=utf-8"),
		Prune:             jsii.Bool(false),
		Distribution:      dist,
		DistributionPaths: jsii.Strings("/", "/index.html"),
	})
	indexDeploy.Node().AddDependency(assets)
	suppressBucketDeploymentHandler(stack)

	awscdk.NewCfnOutput(stack, jsii.String("PlaygroundUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("The web playground (docs/playground.md)"),
		Value:       jsii.String("https://" + *dist.DistributionDomainName() + "/"),
	})
	return &Playground{Construct: c, Bucket: bucket, Distribution: dist}, nil
}

// suppressBucketDeploymentHandler excuses the CDK's own BucketDeployment
// function (one per stack, made by the CDK, not by this app) for what it
// needs to copy the files.
func suppressBucketDeploymentHandler(stack awscdk.Stack) {
	for _, child := range *stack.Node().Children() {
		if !strings.HasPrefix(*child.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		suppress(child, true,
			nagRule{ID: "AwsSolutions-IAM4", Reason: "The CDK's BucketDeployment handler logs with the AWS managed basic execution policy.",
				AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
			nagRule{ID: "AwsSolutions-IAM5", Reason: "The CDK's BucketDeployment handler copies every object of the playground's asset into its bucket (the CDK writes this policy)."},
			nagRule{ID: "AwsSolutions-L1", Reason: "The CDK pins the BucketDeployment handler's runtime; it moves with aws-cdk-lib."},
		)
	}
}
