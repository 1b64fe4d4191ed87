package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// DeploymentsProps configures the CodeDeploy deployments of the aliases.
type DeploymentsProps struct {
	Functions  *Functions
	Monitoring *Monitoring
	// AllAtOnce moves every alias at once (development stacks).
	AllAtOnce bool
}

// Deployments is one CodeDeploy application with a deployment group per
// function: a new version takes 10 % of its alias's traffic for 5 minutes,
// then all of it; if any of the function's rollback alarms (Errors, 5xx
// rate, duration near timeout) goes off meanwhile, or the deployment fails
// or is stopped, CodeDeploy moves the alias back and CloudFormation rolls
// the stack update back.
type Deployments struct {
	constructs.Construct
	Application awscodedeploy.LambdaApplication
	Groups      map[string]awscodedeploy.LambdaDeploymentGroup
}

// NewDeployments makes the application and the groups.
func NewDeployments(scope constructs.Construct, id string, p *DeploymentsProps) *Deployments {
	c := constructs.NewConstruct(scope, jsii.String(id))
	d := &Deployments{Construct: c, Groups: map[string]awscodedeploy.LambdaDeploymentGroup{},
		Application: awscodedeploy.NewLambdaApplication(c, jsii.String("Application"), nil)}
	// One service role for every group (CodeDeploy would make one per
	// group: 14 identical roles in the template).
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		Description: jsii.String("RipTide: CodeDeploy shifts the functions' live aliases and reads their alarms"),
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("codedeploy.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSCodeDeployRoleForLambdaLimited")),
		},
	})
	suppress(role, true, nagRule{
		ID:        "AwsSolutions-IAM4",
		Reason:    "AWSCodeDeployRoleForLambdaLimited is the AWS-maintained minimum for CodeDeploy to shift a Lambda alias and read its alarms.",
		AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRoleForLambdaLimited"},
	})
	config := awscodedeploy.LambdaDeploymentConfig_CANARY_10PERCENT_5MINUTES()
	if p.AllAtOnce {
		config = awscodedeploy.LambdaDeploymentConfig_ALL_AT_ONCE()
	}
	for _, name := range p.Functions.Names() {
		g := awscodedeploy.NewLambdaDeploymentGroup(c, jsii.String(constructID(name)), &awscodedeploy.LambdaDeploymentGroupProps{
			Application:      d.Application,
			Alias:            p.Functions.Alias(name),
			DeploymentConfig: config,
			Alarms:           alarmRefs(p.Monitoring.Rollback[name]),
			Role:             role,
			AutoRollback: &awscodedeploy.AutoRollbackConfig{
				FailedDeployment: jsii.Bool(true), StoppedDeployment: jsii.Bool(true), DeploymentInAlarm: jsii.Bool(true),
			},
		})
		d.Groups[name] = g
	}
	return d
}
