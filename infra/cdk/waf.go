package main

import (
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	waf "github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ManagedRuleGroup is one AWS managed rule group of the web ACL and the
// rules of it that only count (log) instead of blocking, each with why.
type ManagedRuleGroup struct {
	Name string
	// CountOnly: rule name -> why blocking it would break the API.
	CountOnly map[string]string
}

// ManagedRuleGroups are the AWS managed rule groups on the REST API stage.
// Not included: AWSManagedRulesAnonymousIpList, whose HostingProviderIPList
// rule blocks requests from cloud hosts, which is where API clients run.
func ManagedRuleGroups() []ManagedRuleGroup {
	return []ManagedRuleGroup{
		{
			// IPs Amazon's threat intelligence lists for bots and abuse.
			Name: "AWSManagedRulesAmazonIpReputationList",
		},
		{
			// Request patterns of known exploits (Log4j JNDI lookups, Java
			// deserialisation, localhost Host headers).
			Name: "AWSManagedRulesKnownBadInputsRuleSet",
		},
		{
			// The OWASP-style core rule set. RipTide's requests carry URLs,
			// raw HTML and large batches in their JSON bodies: the rules
			// below would block the product's own traffic, so they count.
			Name: "AWSManagedRulesCommonRuleSet",
			CountOnly: map[string]string{
				"SizeRestrictions_BODY":     "bodies up to 6 MB are valid (batches, raw HTML, base64 PDFs); the application enforces each route's limit",
				"CrossSiteScripting_BODY":   "extract, tables and strategies take raw HTML, scripts included, in the body",
				"GenericRFI_BODY":           "URLs in the body are what the crawl routes are for",
				"GenericRFI_QUERYARGUMENTS": "GET routes take URLs as query arguments (search, exports)",
				"GenericLFI_BODY":           "raw HTML bodies hold relative paths such as ../img/a.png",
				"NoUserAgent_HEADER":        "server-side API clients do not always send a User-Agent; the API key identifies them",
			},
		},
	}
}

// RateLimitedBody is the body of the rate-based rule's 429, in RipTide's
// error shape (docs/errors.md).
const RateLimitedBody = `{"error":{"type":"rate_limited","message":"too many requests from this address; slow down","retryable":true,"status":429}}`

// WebACL is the WAF web ACL of the REST API stage.
type WebACL struct {
	ACL  waf.CfnWebACL
	Name string
}

func visibility(name string) *waf.CfnWebACL_VisibilityConfigProperty {
	return &waf.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		MetricName:               jsii.String(name),
		SampledRequestsEnabled:   jsii.Bool(true),
	}
}

// NewWebACL makes a regional web ACL with the managed rule groups and a
// rate-based rule (rateLimit requests per client IP per 5 minutes, answered
// 429 in RipTide's error shape), associates it with stageARN and logs its
// blocked and counted requests, with API keys redacted, to a log group.
// stackName names the ACL (<stackName>-api) and its log group
// (aws-waf-logs-<stackName>): the RipTide stack's name, not the nested
// stack's, which CloudFormation generates.
func NewWebACL(scope constructs.Construct, id, stackName string, stageARN *string, rateLimit int, retention awslogs.RetentionDays) *WebACL {
	c := constructs.NewConstruct(scope, jsii.String(id))
	var rules []any
	priority := 0
	for _, g := range ManagedRuleGroups() {
		var overrides []any
		for _, name := range sortedKeys(g.CountOnly) {
			overrides = append(overrides, &waf.CfnWebACL_RuleActionOverrideProperty{
				Name:        jsii.String(name),
				ActionToUse: &waf.CfnWebACL_RuleActionProperty{Count: &waf.CfnWebACL_CountActionProperty{}},
			})
		}
		stmt := &waf.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(g.Name)}
		if len(overrides) > 0 {
			stmt.RuleActionOverrides = &overrides
		}
		rules = append(rules, &waf.CfnWebACL_RuleProperty{
			Name:             jsii.String(g.Name),
			Priority:         jsii.Number(float64(priority)),
			OverrideAction:   &waf.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
			Statement:        &waf.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: stmt},
			VisibilityConfig: visibility(g.Name),
		})
		priority++
	}
	rules = append(rules, &waf.CfnWebACL_RuleProperty{
		Name:     jsii.String("RateLimitPerIP"),
		Priority: jsii.Number(float64(priority)),
		Action: &waf.CfnWebACL_RuleActionProperty{Block: &waf.CfnWebACL_BlockActionProperty{
			CustomResponse: &waf.CfnWebACL_CustomResponseProperty{
				ResponseCode:          jsii.Number(429),
				CustomResponseBodyKey: jsii.String("rate_limited"),
				ResponseHeaders:       &[]any{&waf.CfnWebACL_CustomHTTPHeaderProperty{Name: jsii.String("Retry-After"), Value: jsii.String("60")}},
			},
		}},
		Statement: &waf.CfnWebACL_StatementProperty{RateBasedStatement: &waf.CfnWebACL_RateBasedStatementProperty{
			AggregateKeyType:    jsii.String("IP"),
			Limit:               jsii.Number(float64(rateLimit)),
			EvaluationWindowSec: jsii.Number(300),
		}},
		VisibilityConfig: visibility("RateLimitPerIP"),
	})

	acl := waf.NewCfnWebACL(c, jsii.String("Acl"), &waf.CfnWebACLProps{
		Name:             jsii.String(stackName + "-api"),
		Description:      jsii.String("RipTide REST API: AWS managed rule groups and a per-IP rate limit"),
		Scope:            jsii.String("REGIONAL"),
		DefaultAction:    &waf.CfnWebACL_DefaultActionProperty{Allow: &waf.CfnWebACL_AllowActionProperty{}},
		VisibilityConfig: visibility(stackName + "-api"),
		Rules:            &rules,
		CustomResponseBodies: &map[string]any{
			"rate_limited": &waf.CfnWebACL_CustomResponseBodyProperty{ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(RateLimitedBody)},
		},
	})
	waf.NewCfnWebACLAssociation(c, jsii.String("Stage"), &waf.CfnWebACLAssociationProps{
		ResourceArn: stageARN,
		WebAclArn:   acl.AttrArn(),
	})

	// WAF delivers only to log groups named aws-waf-logs-*, given by an
	// ARN without the ":*" the LogGroup construct's ARN carries.
	logName := "aws-waf-logs-" + stackName
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		LogGroupName:  jsii.String(logName),
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	logsARN := awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: logs.LogGroupName(),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	// SingleHeader and LoggingFilter are JSON-typed in the CloudFormation
	// schema: CDK passes them through as written, so the keys are spelled
	// as CloudFormation wants them (cfn-lint checks).
	header := func(name string) any {
		return &waf.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": name}}
	}
	action := func(a string) any {
		return map[string]any{"ActionCondition": map[string]any{"Action": a}}
	}
	waf.NewCfnLoggingConfiguration(c, jsii.String("Logging"), &waf.CfnLoggingConfigurationProps{
		ResourceArn:           acl.AttrArn(),
		LogDestinationConfigs: &[]any{logsARN},
		// API keys travel in these headers; WAF logs must never hold them.
		RedactedFields: &[]any{header("x-api-key"), header("authorization")},
		// Only what WAF blocked or counted: allowed requests are in the
		// stage's access log already.
		LoggingFilter: map[string]any{
			"DefaultBehavior": "DROP",
			"Filters": []any{map[string]any{
				"Behavior": "KEEP", "Requirement": "MEETS_ANY",
				"Conditions": []any{action("BLOCK"), action("COUNT")},
			}},
		},
	}).Node().AddDependency(logs)
	return &WebACL{ACL: acl, Name: stackName + "-api"}
}

// sortedKeys returns m's keys in order, so templates do not change between
// syntheses.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
