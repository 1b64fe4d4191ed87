package main

import (
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
)

func TestNoUnsuppressedNagFindings(t *testing.T) {
	s := shared(t)
	for _, f := range s.nagFindings {
		t.Errorf("%s %s: %v", f.Level, *f.Id, f.Entry.Data)
	}
}

// The harness above would pass if cdk-nag never ran; this shows it reports
// a finding, and that a suppression removes exactly the rule it names.
func TestNagReportsAndSuppresses(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack := awscdk.NewStack(app, jsii.String("NagProbe"), nil)
	q := awssqs.NewQueue(stack, jsii.String("Plain"), nil) // no DLQ (SQS3), no TLS enforcement (SQS4)
	suppress(q, false, nagRule{ID: "AwsSolutions-SQS3", Reason: "probe: shows that a suppression hides its rule"})
	AddNagChecks(app)
	var errs []string
	check(t, "annotations", func() {
		for _, m := range *assertions.Annotations_FromStack(stack).FindError(jsii.String("*"),
			assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-"))) {
			errs = append(errs, ruleID(m.Entry.Data))
		}
	})
	if !slices.Contains(errs, "AwsSolutions-SQS4") {
		t.Errorf("nag errors %v, want AwsSolutions-SQS4 for a queue without TLS enforcement", errs)
	}
	if slices.Contains(errs, "AwsSolutions-SQS3") {
		t.Errorf("nag errors %v include the suppressed AwsSolutions-SQS3", errs)
	}
}

// ruleID returns the rule id that starts a cdk-nag message ("AwsSolutions-SQS4: ...").
func ruleID(data any) string {
	s, _ := data.(string)
	if p, ok := data.(*string); ok && p != nil {
		s = *p
	}
	for i, c := range s {
		if c == ':' || c == '[' || c == ' ' {
			return s[:i]
		}
	}
	return s
}
