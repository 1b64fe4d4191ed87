package main

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// How long objects are kept, in days.
const (
	// ArtifactsExpiryDays: links to artifacts are handed out right after
	// the render; a week covers retries and late downloads.
	ArtifactsExpiryDays = 7
	// AccessLogExpiryDays: who fetched which artifact, kept for audits.
	AccessLogExpiryDays = 90
	// SpiderRecordExpiryDays: large spider result records (spider/) are
	// read as long as their run's results: a run lasts up to 7 days
	// (max_duration_ms) and keeps its results up to 30 days after
	// (result_ttl_ms), and lifecycle expiry rounds up to the next midnight
	// UTC. Deleting a run deletes its records at once; records of runs
	// that simply expire are removed here (docs/data-retention.md).
	SpiderRecordExpiryDays = 7 + 30 + 1
)

// ArtifactPrefixes are the prefixes the functions write to the artifacts
// bucket under (shared/wire: Process.Blob callers), each expiring after
// ArtifactsExpiryDays. The rules are per prefix because S3 honours the
// shortest of overlapping expiration rules: a bucket-wide 7-day rule would
// remove spider records (SpiderRecordsPrefix) while their runs still list
// them. A new prefix must be added here, or its objects never expire.
var ArtifactPrefixes = []string{"artifacts/", "results/", "uploads/"}

// ModulesPrefix is where uploaded WASM modules live, by sha256
// (shared/wire/pipelinewire.WASM). No lifecycle rule: a registered module
// stays until it is deleted through the API, as users expect of an
// upload they refer to by id.
const ModulesPrefix = "modules/"

// SpiderRecordsPrefix is where the spider keeps result records of 16 KiB
// or more (shared/wire/spiderrunswire.RecordsPrefix).
const SpiderRecordsPrefix = "spider/"

// Artifacts is the bucket for render artifacts (screenshots, PDFs) too
// large to return inline: the render function uploads them and returns
// presigned links. Its server access logs, which say who fetched which
// link, go to a second bucket.
type Artifacts struct {
	constructs.Construct
	Bucket     awss3.Bucket
	AccessLogs awss3.Bucket
}

// NewArtifacts makes the bucket: private (all public access blocked, only
// presigned or IAM access), TLS only, SSE-S3, objects expire after
// ArtifactsExpiryDays. Both buckets are retained when the stack is deleted
// (docs/deploy.md): CloudFormation cannot delete a non-empty bucket, and
// emptying it on delete would need a custom-resource Lambda.
func NewArtifacts(scope constructs.Construct, id string) *Artifacts {
	c := constructs.NewConstruct(scope, jsii.String(id))
	// Log delivery goes through a bucket policy for the logging service,
	// not the legacy LogDeliveryWrite ACL (ACLs stay disabled): cdk.json's
	// @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy flag.

	private := func(p *awss3.BucketProps) *awss3.BucketProps {
		p.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
		p.EnforceSSL = jsii.Bool(true)
		p.Encryption = awss3.BucketEncryption_S3_MANAGED
		p.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
		return p
	}
	logs := awss3.NewBucket(c, jsii.String("AccessLogs"), private(&awss3.BucketProps{
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:         jsii.String("expire-access-logs"),
			Expiration: awscdk.Duration_Days(jsii.Number(AccessLogExpiryDays)),
		}},
	}))
	// cdk-nag's S1 (access logging) counts a bucket that receives another
	// bucket's access logs as compliant, so this one needs no suppression.
	rules := []*awss3.LifecycleRule{{
		Id: jsii.String("abort-incomplete-uploads"),
		// Large PDFs may go up in parts; parts of a failed upload cost
		// storage until aborted.
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
	}}
	for _, prefix := range ArtifactPrefixes {
		rules = append(rules, &awss3.LifecycleRule{
			Id:         jsii.String("expire-" + strings.TrimSuffix(prefix, "/")),
			Prefix:     jsii.String(prefix),
			Expiration: awscdk.Duration_Days(jsii.Number(ArtifactsExpiryDays)),
		})
	}
	rules = append(rules, &awss3.LifecycleRule{
		Id:         jsii.String("expire-spider-records"),
		Prefix:     jsii.String(SpiderRecordsPrefix),
		Expiration: awscdk.Duration_Days(jsii.Number(SpiderRecordExpiryDays)),
	})
	bucket := awss3.NewBucket(c, jsii.String("Bucket"), private(&awss3.BucketProps{
		ServerAccessLogsBucket: logs,
		ServerAccessLogsPrefix: jsii.String("artifacts/"),
		LifecycleRules:         &rules,
	}))
	return &Artifacts{Construct: c, Bucket: bucket, AccessLogs: logs}
}

// GrantJobResults lets fn read and write job result pages (the results/
// prefix of the artifacts bucket; presigned links act as fn) and delete
// them (a tenant's deletion), and names the bucket in its environment.
// Without it a worker kept result pages in its own memory, where the
// instance answering GET /workers/jobs/{id}/result could not see them.
func (a *Artifacts) GrantJobResults(fn awslambda.Function) {
	a.grantPrefix(fn, "results/", "JobResultPages",
		"Result pages are named per job (not known at deploy time); the role may only touch the results/ prefix of the artifacts bucket.")
}

// GrantSpiderRecords lets fn write, read and delete large spider result
// records (the spider/ prefix), and names the bucket in its environment:
// with it the functions keep the pages' documents out of Redis
// (shared/store/spiderruns). Every function that runs, reads or deletes
// spider runs needs it: one without the bucket cannot read records
// another wrote.
func (a *Artifacts) GrantSpiderRecords(fn awslambda.Function) {
	a.grantPrefix(fn, SpiderRecordsPrefix, "SpiderResultRecords",
		"Result records are named per run and batch (not known at deploy time); the role may only touch the spider/ prefix of the artifacts bucket.")
}

// GrantModules names the bucket in fn's environment and lets it read WASM
// modules: every function that runs extraction strategies finds a module
// uploaded through another one. With manage (the strategies function) it
// also uploads, lists and deletes them. Without the bucket each function
// kept modules in its own memory, where no other instance saw them.
func (a *Artifacts) GrantModules(fn awslambda.Function, manage bool) {
	if manage {
		a.grantPrefix(fn, ModulesPrefix, "WasmModules",
			"Modules are named by their sha256 (not known at deploy time); the role may only touch the modules/ prefix of the artifacts bucket.")
		return
	}
	fn.AddEnvironment(jsii.String("RIPTIDE_ARTIFACTS_BUCKET"), a.Bucket.BucketName(), nil)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadWasmModules"),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &[]*string{a.Bucket.ArnForObjects(jsii.String(ModulesPrefix + "*"))},
	}))
	bucketID := awscdk.Stack_Of(a.Bucket).GetLogicalId(a.Bucket.Node().DefaultChild().(awscdk.CfnElement))
	suppress(fn.Role(), true, nagRule{
		ID:        "AwsSolutions-IAM5",
		Reason:    "Modules are named by their sha256 (not known at deploy time); the role may only read the modules/ prefix of the artifacts bucket.",
		AppliesTo: []string{"Resource::<" + *bucketID + ".Arn>/" + ModulesPrefix + "*"},
	})
}

// grantPrefix lets fn put, get, delete and list the objects under prefix.
func (a *Artifacts) grantPrefix(fn awslambda.Function, prefix, sid, reason string) {
	fn.AddEnvironment(jsii.String("RIPTIDE_ARTIFACTS_BUCKET"), a.Bucket.BucketName(), nil)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String(sid),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("s3:PutObject", "s3:GetObject", "s3:DeleteObject"),
		Resources: &[]*string{a.Bucket.ArnForObjects(jsii.String(prefix + "*"))},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("List" + sid),
		Effect:     awsiam.Effect_ALLOW,
		Actions:    jsii.Strings("s3:ListBucket"),
		Resources:  &[]*string{a.Bucket.BucketArn()},
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": []string{prefix + "*"}}},
	}))
	bucketID := awscdk.Stack_Of(a.Bucket).GetLogicalId(a.Bucket.Node().DefaultChild().(awscdk.CfnElement))
	suppress(fn.Role(), true, nagRule{
		ID:        "AwsSolutions-IAM5",
		Reason:    reason,
		AppliesTo: []string{"Resource::<" + *bucketID + ".Arn>/" + prefix + "*"},
	})
}

// GrantRender lets the render function upload artifacts and sign GET links
// to them (a presigned URL acts with the signer's permissions), and names
// the bucket in its environment. No list or delete: keys are the render
// function's own, and expiry is the lifecycle rule's job.
func (a *Artifacts) GrantRender(fn awslambda.Function) {
	fn.AddEnvironment(jsii.String("RIPTIDE_ARTIFACTS_BUCKET"), a.Bucket.BucketName(), nil)
	objects := a.Bucket.ArnForObjects(jsii.String("*"))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("RenderArtifacts"),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"),
		Resources: &[]*string{objects},
	}))
	bucketID := awscdk.Stack_Of(a.Bucket).GetLogicalId(a.Bucket.Node().DefaultChild().(awscdk.CfnElement))
	suppress(fn.Role(), true, nagRule{
		ID:        "AwsSolutions-IAM5",
		Reason:    "Artifact keys are made per render (not known at deploy time); the role may only put and get objects of the artifacts bucket.",
		AppliesTo: []string{"Resource::<" + *bucketID + ".Arn>/*"},
	})
}
