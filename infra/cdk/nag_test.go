//lint:file-ignore SA1019 Annotations.FindError/FindWarning return cxapi.SynthesisMessage, deprecated in aws-cdk-go v2.276.0 with no Go replacement; it is read only here.

package main

import (
	"fmt"
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
		t.Errorf("%s %s: %s", f.level, f.path, f.message)
	}
}

// The harness above would pass if cdk-nag never ran; this shows it reports
// a finding, that a suppression removes exactly the rule it names, and that
// an unsuppressed error fails synthesis with the finding in the report.
func TestNagReportsAndSuppresses(t *testing.T) {
	out := t.TempDir()
	app, err := testApp(out)
	if err != nil {
		t.Fatal(err)
	}
	stack := awscdk.NewStack(app, jsii.String("NagProbe"), nil)
	q := awssqs.NewQueue(stack, jsii.String("Plain"), nil) // no DLQ (SQS3), no TLS enforcement (SQS4)
	suppress(q, false, nagRule{ID: "AwsSolutions-SQS3", Reason: "probe: shows that a suppression hides its rule"})
	AddNagChecks(app)
	if panics(func() { app.Synth(nil) }) == nil {
		t.Fatalf("synthesis succeeded with an unsuppressed AwsSolutions-SQS4 error")
	}
	vs, err := ValidationReport(out)
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, v := range vs {
		errs = append(errs, v.Rule)
	}
	if !slices.Contains(errs, "AwsSolutions-SQS4") {
		t.Errorf("findings %v, want AwsSolutions-SQS4 for a queue without TLS enforcement", errs)
	}
	if slices.Contains(errs, "AwsSolutions-SQS3") {
		t.Errorf("findings %v include the suppressed AwsSolutions-SQS3", errs)
	}
}

// nagFinding is one cdk-nag annotation.
type nagFinding struct {
	level, path, rule, message string
}

// nagFindings returns the AwsSolutions errors (and warnings, if asked) on
// stack and its nested stacks. Synthesizes the app if it was not yet.
func nagFindings(stack awscdk.Stack, warnings bool) []nagFinding {
	a := assertions.Annotations_FromStack(stack)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-"))
	msgs := *a.FindError(jsii.String("*"), nag)
	if warnings {
		msgs = append(msgs, *a.FindWarning(jsii.String("*"), nag)...)
	}
	var out []nagFinding
	for _, m := range msgs {
		msg := fmt.Sprint(m.Entry.Data)
		if p, ok := m.Entry.Data.(*string); ok && p != nil {
			msg = *p
		}
		out = append(out, nagFinding{level: string(m.Level), path: *m.Id, rule: ruleID(msg), message: msg})
	}
	return out
}

// ruleID returns the rule id that starts a cdk-nag message ("AwsSolutions-SQS4: ...").
func ruleID(s string) string {
	for i, c := range s {
		if c == ':' || c == '[' || c == ' ' {
			return s[:i]
		}
	}
	return s
}

// panics runs f and returns what it panicked with (nil if it did not).
func panics(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}
