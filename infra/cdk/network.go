package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Endpoint is one VPC interface endpoint the stack may create. docs/cost.md
// says what each one costs and saves.
type Endpoint struct {
	// Name is the setting's word for it (riptide:interfaceEndpoints).
	Name    string
	Service awsec2.IInterfaceVpcEndpointService
}

// AllEndpoints are the interface endpoints the stack knows, by setting name.
func AllEndpoints() []Endpoint {
	return []Endpoint{
		// Every function reads the API keys and Redis AUTH secrets at cold
		// start: with the endpoint, a NAT failure cannot stop cold starts.
		{"secretsmanager", awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER()},
		// spider and crawl start executions (StartExecution).
		{"states", awsec2.InterfaceVpcEndpointAwsService_STEP_FUNCTIONS()},
		// Render calls carry whole pages back (Invoke responses up to 6 MB):
		// the one endpoint whose traffic alone pays for it at volume.
		{"lambda", awsec2.InterfaceVpcEndpointAwsService_LAMBDA()},
		// Jobs are enqueued and the DLQs redriven by the functions.
		{"sqs", awsec2.InterfaceVpcEndpointAwsService_SQS()},
	}
}

// DefaultEndpoints are the interface endpoints of a production stack: all.
func DefaultEndpoints() []Endpoint { return AllEndpoints() }

// ParseEndpoints reads riptide:interfaceEndpoints: a comma-separated list of
// names from AllEndpoints, "all", or "none".
func ParseEndpoints(v string) ([]Endpoint, error) {
	v = strings.TrimSpace(v)
	switch v {
	case "all":
		return AllEndpoints(), nil
	case "none":
		return []Endpoint{}, nil
	}
	out := []Endpoint{}
	var known []string
	for _, e := range AllEndpoints() {
		known = append(known, e.Name)
	}
	for _, name := range strings.Split(v, ",") {
		name = strings.TrimSpace(name)
		i := slices.Index(known, name)
		if i < 0 {
			return nil, fmt.Errorf("riptide:interfaceEndpoints: unknown endpoint %q (known: %s, or all, none)", name, strings.Join(known, ", "))
		}
		if !slices.ContainsFunc(out, func(e Endpoint) bool { return e.Name == name }) {
			out = append(out, AllEndpoints()[i])
		}
	}
	return out, nil
}

// NetworkProps configures the VPC.
type NetworkProps struct {
	// NatGateways: 2 survives the loss of an AZ (each AZ's private subnet
	// leaves through its own gateway); 1 saves ~33 USD a month for a
	// development stack, and an AZ outage then cuts all egress.
	NatGateways  int
	Endpoints    []Endpoint
	LogRetention awslogs.RetentionDays
}

// Network is the VPC every function and the Redis cluster live in, and the
// security group the functions share.
type Network struct {
	constructs.Construct
	Vpc awsec2.Vpc
	// Functions is the security group of every Lambda function; data stores
	// and endpoints admit traffic from it.
	Functions awsec2.SecurityGroup
	// NatGateways are the NAT gateways (for their CloudWatch metrics).
	NatGateways []awsec2.CfnNatGateway
	// Endpoints are the interface endpoints by setting name.
	Endpoints map[string]awsec2.InterfaceVpcEndpoint
	// EndpointsSG is the security group of the interface endpoints (nil
	// when there are none).
	EndpointsSG awsec2.SecurityGroup
}

// NewNetwork makes a VPC with two AZs, public and private-with-egress
// subnets (crawling needs the internet, through NAT), flow logs, an S3
// gateway endpoint and the interface endpoints asked for.
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
	n := &Network{Construct: c, Vpc: vpc, Functions: fnSG, Endpoints: map[string]awsec2.InterfaceVpcEndpoint{}}
	for _, sn := range *vpc.PublicSubnets() {
		if nat, ok := sn.Node().TryFindChild(jsii.String("NATGateway")).(awsec2.CfnNatGateway); ok {
			n.NatGateways = append(n.NatGateways, nat)
		}
	}

	private := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	// S3 traffic (artifacts, results, backups, audit exports, the
	// CloudFormation custom-resource responses) goes through the free
	// gateway endpoint instead of the NAT gateway's per-GB charge.
	vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
		Service: awsec2.GatewayVpcEndpointAwsService_S3(),
		Subnets: &[]*awsec2.SubnetSelection{private},
	})
	if len(props.Endpoints) > 0 {
		n.EndpointsSG = awsec2.NewSecurityGroup(c, jsii.String("EndpointsSG"), &awsec2.SecurityGroupProps{
			Vpc:              vpc,
			Description:      jsii.String("RipTide VPC interface endpoints: HTTPS from the functions only"),
			AllowAllOutbound: jsii.Bool(false),
		})
		n.EndpointsSG.AddIngressRule(fnSG, awsec2.Port_Tcp(jsii.Number(443)), jsii.String("AWS APIs from RipTide functions"), nil)
		for _, e := range props.Endpoints {
			n.Endpoints[e.Name] = vpc.AddInterfaceEndpoint(jsii.String("Endpoint"+constructID(e.Name)), &awsec2.InterfaceVpcEndpointOptions{
				Service: e.Service,
				// Private DNS: the SDK's usual host names resolve to the
				// endpoint, so the functions need no endpoint settings.
				PrivateDnsEnabled: jsii.Bool(true),
				Subnets:           private,
				SecurityGroups:    &[]awsec2.ISecurityGroup{n.EndpointsSG},
				// Open would admit the whole VPC CIDR; the rule above
				// admits the functions only.
				Open: jsii.Bool(false),
			})
		}
	}
	return n
}
