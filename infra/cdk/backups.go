package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Task events: a plain JSON event {"riptide_task": <name>, ...} runs one of
// a function's entry points besides its routes (shared/lambdaio's task
// events). The migration arrives as a CloudFormation custom-resource event
// whose ResourceProperties carry the same field (docs/deploy.md).
const (
	TaskField   = "riptide_task"
	TaskBackup  = "backup"
	TaskMigrate = "migrate"
	// TaskAuditExport moves the audit entries not yet exported to the
	// audit bucket and trims them from Redis, every AuditExportSchedule.
	TaskAuditExport     = "audit_export"
	AuditExportSchedule = "rate(1 hour)"
	// OpsFunction runs the backup and the migration: the worker, which
	// already holds the job, schedule and session state they cover and has
	// the longest timeout (15 minutes).
	OpsFunction = "workers"
)

// Environment variables of the backup and audit buckets (shared/config).
const (
	BackupBucketEnv = "RIPTIDE_BACKUP_BUCKET"
	AuditBucketEnv  = "RIPTIDE_AUDIT_BUCKET"
)

// Retention (docs/runbooks/restore.md, docs/deploy.md).
const (
	// BackupKeepDays: a logical backup is kept a month (30 daily backups);
	// an overwritten or deleted one (a noncurrent version) a week more.
	BackupKeepDays       = 30
	BackupNoncurrentDays = 7
	// AuditRetentionDays: every audit export is locked (governance mode)
	// for a year: nobody without s3:BypassGovernanceRetention (no role of
	// this stack has it) can delete or overwrite it before then. It expires
	// a day after the lock ends.
	AuditRetentionDays = 365
)

// OpsProps configures backups, the audit bucket and migrations.
type OpsProps struct {
	Functions *Functions
	// AccessLogs receives the buckets' server access logs (nil: none).
	AccessLogs awss3.IBucket
	// Schedule is the backup's EventBridge Scheduler expression.
	Schedule string
	// DLQ receives backup invocations Scheduler could not deliver.
	DLQ awssqs.IQueue
}

// Ops is what keeps the state safe: the logical backup bucket and its daily
// schedule, the Object Lock audit bucket, and the migration run on deploy.
type Ops struct {
	constructs.Construct
	BackupBucket awss3.Bucket
	AuditBucket  awss3.Bucket
	Backup       awsscheduler.Schedule
	AuditExport  awsscheduler.Schedule
	Migration    awscdk.CustomResource
}

// NewOps makes them. Nil when the table has no OpsFunction.
func NewOps(scope constructs.Construct, id string, props *OpsProps) (*Ops, error) {
	fn := props.Functions.Get(OpsFunction)
	if fn == nil {
		return nil, nil
	}
	alias := props.Functions.Alias(OpsFunction)
	c := constructs.NewConstruct(scope, jsii.String(id))
	o := &Ops{Construct: c}

	bucket := func(id, logPrefix string, p *awss3.BucketProps) awss3.Bucket {
		p.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
		p.EnforceSSL = jsii.Bool(true)
		p.Encryption = awss3.BucketEncryption_S3_MANAGED
		p.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
		p.Versioned = jsii.Bool(true)
		// Backups and the audit trail must outlive the stack.
		p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
		if props.AccessLogs != nil {
			p.ServerAccessLogsBucket = props.AccessLogs
			p.ServerAccessLogsPrefix = jsii.String(logPrefix)
		}
		return awss3.NewBucket(c, jsii.String(id), p)
	}
	o.BackupBucket = bucket("BackupBucket", "backups/", &awss3.BucketProps{
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Id:                                  jsii.String("expire-backups"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(BackupKeepDays)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(BackupNoncurrentDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
			ExpiredObjectDeleteMarker:           nil,
		}},
	})
	o.AuditBucket = bucket("AuditBucket", "audit/", &awss3.BucketProps{
		ObjectLockEnabled:          jsii.Bool(true),
		ObjectLockDefaultRetention: awss3.ObjectLockRetention_Governance(awscdk.Duration_Days(jsii.Number(AuditRetentionDays))),
		LifecycleRules: &[]*awss3.LifecycleRule{{
			// A locked version cannot be deleted before its retention
			// ends; after it, the version goes too.
			Id:                                  jsii.String("expire-audit-after-retention"),
			Expiration:                          awscdk.Duration_Days(jsii.Number(AuditRetentionDays + 1)),
			NoncurrentVersionExpiration:         awscdk.Duration_Days(jsii.Number(1)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})

	// The worker writes and reads backups (restore drills, riptide
	// restore through the function) and exports the audit trail; the
	// producers may flush audit batches too. No delete anywhere: backups
	// expire by lifecycle, audit exports are locked.
	o.grantBackup(fn)
	for _, name := range append([]string{OpsFunction}, JobProducers()...) {
		f := props.Functions.Get(name)
		if f == nil {
			return nil, fmt.Errorf("audit writer %s is not in the function table", name)
		}
		o.grantAudit(f, name == OpsFunction)
	}

	// The daily logical backup: a task event to the worker's live alias.
	o.Backup = awsscheduler.NewSchedule(c, jsii.String("BackupSchedule"), &awsscheduler.ScheduleProps{
		Description: jsii.String("RipTide logical backup of the store to the backup bucket"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(props.Schedule), awscdk.TimeZone_ETC_UTC()),
		Target: awsschedulertargets.NewLambdaInvoke(alias, &awsschedulertargets.ScheduleTargetBaseProps{
			Input:           awsscheduler.ScheduleTargetInput_FromObject(map[string]any{TaskField: TaskBackup}),
			RetryAttempts:   jsii.Number(2),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
			DeadLetterQueue: props.DLQ,
		}),
	})

	// The hourly audit export: nothing outside the VPC can reach Redis,
	// so the worker moves the trail to the Object Lock bucket itself.
	o.AuditExport = awsscheduler.NewSchedule(c, jsii.String("AuditExportSchedule"), &awsscheduler.ScheduleProps{
		Description: jsii.String("RipTide audit trail export to the Object Lock audit bucket, then trim from Redis"),
		Schedule:    awsscheduler.ScheduleExpression_Expression(jsii.String(AuditExportSchedule), awscdk.TimeZone_ETC_UTC()),
		Target: awsschedulertargets.NewLambdaInvoke(alias, &awsschedulertargets.ScheduleTargetBaseProps{
			Input:           awsscheduler.ScheduleTargetInput_FromObject(map[string]any{TaskField: TaskAuditExport}),
			RetryAttempts:   jsii.Number(2),
			MaxEventAge:     awscdk.Duration_Hours(jsii.Number(1)),
			DeadLetterQueue: props.DLQ,
		}),
	})

	// The migration runs on every deploy that changes the worker's code or
	// configuration (the Version property changes with it), before the
	// alias (and so any traffic) moves to the new version. The service
	// token is the unqualified function: CloudFormation refuses to change
	// a custom resource's token, and $LATEST is the new code by then.
	version := fn.CurrentVersion()
	o.Migration = awscdk.NewCustomResource(c, jsii.String("Migration"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::RiptideMigration"),
		Properties: &map[string]any{
			TaskField: TaskMigrate,
			"Version": version.Version(),
		},
		// The worker's own timeout plus a minute: a crashed migration fails
		// the deploy in 16 minutes, not CloudFormation's default hour.
		ServiceTimeout: awscdk.Duration_Seconds(jsii.Number(float64(props.Functions.Def(OpsFunction).TimeoutSec + 60))),
	})
	alias.Node().AddDependency(o.Migration)
	return o, nil
}

func (o *Ops) grantBackup(fn awslambda.Function) {
	fn.AddEnvironment(jsii.String(BackupBucketEnv), o.BackupBucket.BucketName(), nil)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("BackupObjects"),
		Actions:   jsii.Strings("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"),
		Resources: &[]*string{o.BackupBucket.ArnForObjects(jsii.String("*"))},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ListBackups"),
		Actions:   jsii.Strings("s3:ListBucket"),
		Resources: &[]*string{o.BackupBucket.BucketArn()},
	}))
	suppressObjects(fn, o.BackupBucket, "Backup object keys carry the backup's time, made at run time; the worker may put, get and list them, never delete.")
}

func (o *Ops) grantAudit(fn awslambda.Function, reader bool) {
	fn.AddEnvironment(jsii.String(AuditBucketEnv), o.AuditBucket.BucketName(), nil)
	actions := []string{"s3:PutObject"}
	if reader {
		actions = append(actions, "s3:GetObject")
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ListAuditExports"),
			Actions:   jsii.Strings("s3:ListBucket"),
			Resources: &[]*string{o.AuditBucket.BucketArn()},
		}))
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("AuditExports"),
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{o.AuditBucket.ArnForObjects(jsii.String("*"))},
	}))
	suppressObjects(fn, o.AuditBucket, "Audit export keys carry the batch's sequence, made at run time; Object Lock keeps every exported version for the retention period.")
}

// suppressObjects records the IAM5 finding of a <bucket>/* grant on fn's role.
func suppressObjects(fn awslambda.Function, b awss3.Bucket, reason string) {
	id := awscdk.Stack_Of(b).GetLogicalId(b.Node().DefaultChild().(awscdk.CfnElement))
	suppress(fn.Role(), true, nagRule{ID: "AwsSolutions-IAM5", Reason: reason, AppliesTo: []string{"Resource::<" + *id + ".Arn>/*"}})
}
