package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"strings"
)

// nagRule is one cdk-nag suppression: the rule, why it does not apply, and
// optionally the findings it is limited to (for IAM4/IAM5, the exact policy
// or resource; an unscoped IAM suppression would hide future mistakes).
type nagRule struct {
	ID        string
	Reason    string
	AppliesTo []string
}

// suppress records suppressions on c (and its children when children is
// set). Suppressions live next to the resource they excuse, so a reader sees
// the reason where the resource is made.
func suppress(c constructs.IConstruct, children bool, rules ...nagRule) {
	cdknag.NagSuppressions_AddResourceSuppressions(c, suppressions(rules), jsii.Bool(children))
}

// suppressStack records suppressions for every resource of stack.
func suppressStack(stack awscdk.Stack, rules ...nagRule) {
	cdknag.NagSuppressions_AddStackSuppressions(stack, suppressions(rules), jsii.Bool(false))
}

func suppressions(rules []nagRule) *[]*cdknag.NagPackSuppression {
	var out []*cdknag.NagPackSuppression
	for _, r := range rules {
		s := &cdknag.NagPackSuppression{Id: jsii.String(r.ID), Reason: jsii.String(r.Reason)}
		if len(r.AppliesTo) > 0 {
			applies := make([]interface{}, len(r.AppliesTo))
			for i, a := range r.AppliesTo {
				if re, ok := strings.CutPrefix(a, "regex:"); ok {
					// A finding whose resource names a logical id (a hash
					// CDK computes) is matched by pattern.
					applies[i] = &cdknag.RegexAppliesTo{Regex: jsii.String(re)}
				} else {
					applies[i] = a
				}
			}
			s.AppliesTo = &applies
		}
		out = append(out, s)
	}
	return &out
}

// AddNagChecks runs the cdk-nag AwsSolutions pack over scope at synthesis.
// Findings become error and warning annotations: the CDK CLI fails on
// errors, and the tests fail on any unsuppressed finding.
func AddNagChecks(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		// The CSV reports would land in cdk.out next to the templates and
		// add nothing the annotations do not already say.
		Reports: jsii.Bool(false),
		Verbose: jsii.Bool(true),
	}), nil)
}
