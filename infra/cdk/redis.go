package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// RedisPort is the port the cluster listens on (Redis' default; see the
// AEC5 suppression for why it is not moved).
const RedisPort = 6379

// Redis backup settings (docs/runbooks/restore.md).
const (
	// RedisSnapshotDays: daily snapshots are kept a week, so a problem
	// noticed after a weekend can still be rolled back before it.
	RedisSnapshotDays = 7
	// RedisSnapshotWindow (UTC) comes after the logical backup
	// (DefaultBackupSchedule, 03:30) and before the maintenance window.
	RedisSnapshotWindow    = "05:00-06:00"
	RedisMaintenanceWindow = "sun:07:00-sun:08:00"
)

// RedisProps configures the ElastiCache replication group.
type RedisProps struct {
	Network *Network
	// NodeType, e.g. "cache.t4g.micro" (the smallest node with TLS).
	NodeType string
	// Nodes is the number of nodes: 2 (primary and replica in two AZs, with
	// automatic failover) or 1 (no failover, half the price, for a
	// development stack).
	Nodes int
	// EngineVersion of Redis OSS, e.g. "7.1".
	EngineVersion string
	// RestoreSnapshot, when set, is an ElastiCache snapshot the group is
	// created from. Setting it on a running stack replaces the group (the
	// old one leaves a final snapshot): docs/runbooks/restore.md.
	RestoreSnapshot string
}

// Redis is the ElastiCache Redis replication group and its AUTH secret.
type Redis struct {
	constructs.Construct
	Group         awselasticache.CfnReplicationGroup
	SecurityGroup awsec2.SecurityGroup
	// AuthSecret holds the AUTH token as a plain string (not JSON).
	AuthSecret awssecretsmanager.Secret
}

// NewRedis makes a Redis replication group in the private subnets, with TLS,
// at-rest encryption and an AUTH token generated into Secrets Manager.
// Only the functions' security group may connect.
func NewRedis(scope constructs.Construct, id string, props *RedisProps) *Redis {
	c := constructs.NewConstruct(scope, jsii.String(id))
	secret := awssecretsmanager.NewSecret(c, jsii.String("AuthToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("RipTide: ElastiCache Redis AUTH token (plain string)"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			// ElastiCache tokens are 16-128 printable characters without
			// '@', '"' or '/'; letters and digits avoid every escaping issue.
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
	})
	suppress(secret, false, nagRule{
		ID: "AwsSolutions-SMG4",
		Reason: "Rotating an ElastiCache AUTH token needs a coordinated ROTATE/SET on the replication group; " +
			"the token never leaves the VPC and is only read by the functions. Rotation is planned with the secrets-rotation Lambda.",
	})

	sg := awsec2.NewSecurityGroup(c, jsii.String("SG"), &awsec2.SecurityGroupProps{
		Vpc:              props.Network.Vpc,
		Description:      jsii.String(fmt.Sprintf("RipTide Redis: TCP %d from the functions only", RedisPort)),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddIngressRule(props.Network.Functions, awsec2.Port_Tcp(jsii.Number(RedisPort)),
		jsii.String("Redis from RipTide functions"), nil)

	private := props.Network.Vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS})
	subnetIDs := []interface{}{}
	for _, id := range *private.SubnetIds {
		subnetIDs = append(subnetIDs, id)
	}
	subnets := awselasticache.NewCfnSubnetGroup(c, jsii.String("Subnets"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("RipTide Redis: private subnets"),
		SubnetIds:   &subnetIDs,
	})

	multiAZ := props.Nodes > 1
	group := awselasticache.NewCfnReplicationGroup(c, jsii.String("Group"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("RipTide state: cache, sessions, jobs, spider runs, counters"),
		Engine:                      jsii.String("redis"),
		EngineVersion:               jsii.String(props.EngineVersion),
		CacheNodeType:               jsii.String(props.NodeType),
		NumCacheClusters:            jsii.Number(float64(props.Nodes)),
		AutomaticFailoverEnabled:    jsii.Bool(multiAZ),
		MultiAzEnabled:              jsii.Bool(multiAZ),
		Port:                        jsii.Number(RedisPort),
		CacheSubnetGroupName:        subnets.Ref(),
		SecurityGroupIds:            &[]*string{sg.SecurityGroupId()},
		// TransitEncryptionMode is left to its default, "required" (plain
		// connections refused); "preferred" exists only to migrate clients.
		TransitEncryptionEnabled: jsii.Bool(true),
		AtRestEncryptionEnabled:  jsii.Bool(true),
		AuthToken:                secret.SecretValue().UnsafeUnwrap(),
		AutoMinorVersionUpgrade:  jsii.Bool(true),
		// Daily snapshots: spider runs, jobs, sessions and keys survive a
		// node loss that failover cannot cover, or a bad write found late.
		SnapshotRetentionLimit:     jsii.Number(RedisSnapshotDays),
		SnapshotWindow:             jsii.String(RedisSnapshotWindow),
		PreferredMaintenanceWindow: jsii.String(RedisMaintenanceWindow),
	})
	if props.RestoreSnapshot != "" {
		group.SetSnapshotName(jsii.String(props.RestoreSnapshot))
	}
	// Deleting the stack (or replacing the group) takes a final snapshot
	// first: the state is not lost with the stack.
	group.ApplyRemovalPolicy(awscdk.RemovalPolicy_SNAPSHOT, &awscdk.RemovalPolicyOptions{ApplyToUpdateReplacePolicy: jsii.Bool(true)})
	if !multiAZ {
		suppress(group, false, nagRule{
			ID: "AwsSolutions-AEC4",
			Reason: "Development stacks only (-c riptide:redisNodes=1, environments/dev.json): one node halves the Redis cost; " +
				"a node loss there costs the state since the last daily snapshot, which a development stack can afford. " +
				"Staging and production run two nodes in two AZs with automatic failover.",
		})
	}
	// The token is a dynamic reference ({{resolve:secretsmanager:...}}),
	// resolved by CloudFormation: it is not in the template.
	suppress(group, false, nagRule{
		ID: "AwsSolutions-AEC5",
		Reason: "Redis keeps its default port 6379: a non-default port is obscurity, not protection. " +
			"The group admits only the functions' security group, requires TLS and an AUTH token.",
	})
	return &Redis{Construct: c, Group: group, SecurityGroup: sg, AuthSecret: secret}
}

// URL is the rediss:// URL of the primary endpoint, without credentials
// (the functions read the token from AuthSecret).
func (r *Redis) URL() *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{
		jsii.String("rediss://"), r.Group.AttrPrimaryEndPointAddress(), jsii.String(fmt.Sprintf(":%d", RedisPort)),
	})
}
