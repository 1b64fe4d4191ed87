package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// FunctionTag is the tag naming the route-table function a Lambda function
// implements (also handy for cost allocation).
const FunctionTag = "riptide:function"

// FunctionsProps configures the Lambda functions.
type FunctionsProps struct {
	Table []routes.Function
	// AssetDir holds <name>.zip for every function (a zip with an
	// executable "bootstrap" at its root).
	AssetDir     string
	Network      *Network
	Redis        *Redis
	Secrets      *Secrets
	LogLevel     string
	LogRetention awslogs.RetentionDays
}

// LiveAlias is the alias every caller invokes (API Gateway, Step Functions,
// SQS, EventBridge, other functions); CodeDeploy moves it from version to
// version.
const LiveAlias = "live"

// Functions is one Lambda function per entry of the function table, each
// published as a version behind the LiveAlias alias.
type Functions struct {
	constructs.Construct
	byName  map[string]awslambda.Function
	aliases map[string]awslambda.Alias
	defs    map[string]routes.Function
	order   []string
}

// NewFunctions makes every function of the table: provided.al2023, its
// architecture, memory, timeout and /tmp size from the table, in the private
// subnets, with X-Ray tracing, a log group with retention, and read access
// to the Redis AUTH, API keys and key pepper secrets.
func NewFunctions(scope constructs.Construct, id string, props *FunctionsProps) (*Functions, error) {
	if err := CheckAssets(props.AssetDir, props.Table); err != nil {
		return nil, err
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	fs := &Functions{Construct: c, byName: map[string]awslambda.Function{}, aliases: map[string]awslambda.Alias{},
		defs: map[string]routes.Function{}}
	for _, f := range props.Table {
		fn, alias, err := newFunction(c, f, props)
		if err != nil {
			return nil, err
		}
		fs.byName[f.Name] = fn
		fs.aliases[f.Name] = alias
		fs.defs[f.Name] = f
		fs.order = append(fs.order, f.Name)
	}
	return fs, nil
}

// Get returns the function called name, or nil.
func (fs *Functions) Get(name string) awslambda.Function { return fs.byName[name] }

// Alias returns the live alias of the function called name, or nil.
func (fs *Functions) Alias(name string) awslambda.Alias { return fs.aliases[name] }

// Def returns the table entry of the function called name.
func (fs *Functions) Def(name string) routes.Function { return fs.defs[name] }

// Names lists the function names in table order.
func (fs *Functions) Names() []string { return append([]string(nil), fs.order...) }

func architecture(f routes.Function) (awslambda.Architecture, error) {
	switch f.Architecture() {
	case "arm64":
		return awslambda.Architecture_ARM_64(), nil
	case "x86_64":
		return awslambda.Architecture_X86_64(), nil
	}
	return nil, fmt.Errorf("function %s: unknown architecture %q (want arm64 or x86_64)", f.Name, f.Architecture())
}

// constructID turns a function name ("deepsearch") into a construct id
// ("Deepsearch"); logical ids in the template then say which function a
// resource belongs to.
func constructID(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func newFunction(scope constructs.Construct, f routes.Function, props *FunctionsProps) (awslambda.Function, awslambda.Alias, error) {
	arch, err := architecture(f)
	if err != nil {
		return nil, nil, err
	}
	if f.MemoryMB <= 0 || f.TimeoutSec <= 0 {
		return nil, nil, fmt.Errorf("function %s: memory and timeout must be set", f.Name)
	}
	c := constructs.NewConstruct(scope, jsii.String(constructID(f.Name)))
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	fnProps := &awslambda.FunctionProps{
		Description:  jsii.String("RipTide " + f.Name + ": " + f.Description),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Handler:      jsii.String("bootstrap"),
		Architecture: arch,
		Code:         awslambda.Code_FromAsset(jsii.String(assetPath(props.AssetDir, f.Name)), nil),
		MemorySize:   jsii.Number(float64(f.MemoryMB)),
		Timeout:      awscdk.Duration_Seconds(jsii.Number(float64(f.TimeoutSec))),
		Environment: &map[string]*string{
			"REDIS_URL":                   props.Redis.URL(),
			"REDIS_AUTH_SECRET_ARN":       props.Redis.AuthSecret.SecretArn(),
			"RIPTIDE_API_KEYS_SECRET_ARN": props.Secrets.APIKeys.SecretArn(),
			// Every function authenticates (HTTP routes, or crawl-ws's
			// $connect), so every one may check a managed key.
			"RIPTIDE_KEY_PEPPER_SECRET_ARN": props.Secrets.KeyPepper.SecretArn(),
			"RIPTIDE_LOG_LEVEL":             jsii.String(props.LogLevel),
		},
		LogGroup: logs,
		// The application writes JSON logs (log/slog); JSON format keeps
		// Lambda's own platform lines in the same shape.
		LoggingFormat:  awslambda.LoggingFormat_JSON,
		Tracing:        awslambda.Tracing_ACTIVE,
		Vpc:            props.Network.Vpc,
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		SecurityGroups: &[]awsec2.ISecurityGroup{props.Network.Functions},
		// Versions stay after the alias moves on: CloudFormation rolls an
		// alias back to its previous version, which must still exist.
		// docs/deploy.md says how to prune old ones.
		CurrentVersionOptions: &awslambda.VersionOptions{RemovalPolicy: awscdk.RemovalPolicy_RETAIN},
	}
	if f.EphemeralMB > 0 {
		fnProps.EphemeralStorageSize = awscdk.Size_Mebibytes(jsii.Number(float64(f.EphemeralMB)))
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), fnProps)
	awscdk.Tags_Of(fn).Add(jsii.String(FunctionTag), jsii.String(f.Name), nil)
	props.Redis.AuthSecret.GrantRead(fn, nil)
	props.Secrets.APIKeys.GrantRead(fn, nil)
	props.Secrets.KeyPepper.GrantRead(fn, nil)

	suppress(fn.Role(), true,
		nagRule{
			ID: "AwsSolutions-IAM4",
			Reason: "AWSLambdaBasicExecutionRole (write own logs) and AWSLambdaVPCAccessExecutionRole (manage the ENIs of a VPC function) " +
				"are the AWS-maintained minimum for a Lambda function in a VPC.",
			AppliesTo: []string{
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
				"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
			},
		},
		nagRule{
			ID:        "AwsSolutions-IAM5",
			Reason:    "X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions: the resource must be '*'.",
			AppliesTo: []string{"Resource::*"},
		},
	)
	// The version is published from the function's code and configuration
	// (a new one only when either changed); the alias follows it, through
	// CodeDeploy (deployments.go).
	alias := awslambda.NewAlias(c, jsii.String("Live"), &awslambda.AliasProps{
		AliasName:   jsii.String(LiveAlias),
		Version:     fn.CurrentVersion(),
		Description: jsii.String("The version callers get; moved by CodeDeploy"),
	})
	return fn, alias, nil
}

func assetPath(dir, name string) string { return filepath.Join(dir, name+".zip") }

// CheckAssets reports every function whose zip is missing from dir, so
// synthesis fails with one clear message instead of a CDK stack trace.
func CheckAssets(dir string, table []routes.Function) error {
	var missing []string
	for _, f := range table {
		p := assetPath(dir, f.Name)
		if st, err := os.Stat(p); err != nil || st.IsDir() {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("function code missing (run `make build`, or point %s / -c %s at the folder): %s",
			AssetDirEnv, AssetDirContext, strings.Join(missing, ", "))
	}
	return nil
}
