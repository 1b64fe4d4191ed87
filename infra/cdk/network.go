package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NetworkProps configures the VPC.
type NetworkProps struct {
	// NatGateways: 1 keeps the cost down (one NAT gateway is ~32 USD a
	// month plus traffic); 2 survives the loss of an AZ.
	NatGateways  int
	LogRetention awslogs.RetentionDays
}

// Network is the VPC every function and the Redis cluster live in, and the
// security group the functions share.
type Network struct {
	constructs.Construct
	Vpc awsec2.Vpc
	// Functions is the security group of every Lambda function; data stores
	// admit traffic from it.
	Functions awsec2.SecurityGroup
}

// NewNetwork makes a VPC with two AZs, public and private-with-egress
// subnets (crawling needs the internet, through NAT), and flow logs.
func NewNetwork(scope constructs.Construct, id string, props *NetworkProps) *Network {
	c := constructs.NewConstruct(scope, jsii.String(id))
	flowLogs := awslogs.NewLogGroup(c, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	vpc := awsec2.NewVpc(c, jsii.String("Vpc"), &awsec2.VpcProps{
		// An env-agnostic stack cannot look AZs up; two is what it can name.
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(float64(props.NatGateways)),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
		},
		// Restricting the default security group needs a custom-resource
		// Lambda (Node.js) in the stack; nothing uses the default group, so
		// it is left alone and the stack keeps exactly its own functions.
		RestrictDefaultSecurityGroup: jsii.Bool(false),
		FlowLogs: &map[string]*awsec2.FlowLogOptions{
			"All": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(flowLogs, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			},
		},
	})
	fnSG := awsec2.NewSecurityGroup(c, jsii.String("FunctionsSG"), &awsec2.SecurityGroupProps{
		Vpc:         vpc,
		Description: jsii.String("RipTide Lambda functions: no inbound; outbound anywhere (crawling)"),
		// Crawling fetches arbitrary public sites; the SSRF guard in the
		// application, not the security group, keeps fetches off private
		// addresses.
		AllowAllOutbound: jsii.Bool(true),
	})
	return &Network{Construct: c, Vpc: vpc, Functions: fnSG}
}
