//lint:file-ignore SA1019 cxapi's synthesis message types are deprecated in aws-cdk-go v2.276.0 (moved to a JS-only package) with no Go replacement; this file is the one place that reads them.

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
)

// reportMessages prints the synthesis warnings and errors (cdk-nag findings
// among them) and fails on errors, so `go run .` guards like `cdk synth`.
func reportMessages(asm cxapi.CloudAssembly) error {
	errs := 0
	for _, st := range *asm.StacksRecursively() {
		for _, m := range *st.Messages() {
			switch m.Level {
			case cxapi.SynthesisMessageLevel_ERROR:
				errs++
			case cxapi.SynthesisMessageLevel_WARNING:
			default:
				continue
			}
			fmt.Fprintf(os.Stderr, "%s %s: %v\n", m.Level, *m.Id, m.Entry.Data)
		}
	}
	if errs > 0 {
		return fmt.Errorf("%d synthesis errors (see above)", errs)
	}
	return nil
}

// Violation is one finding of the synthesis validation report: with
// cdk.json's @aws-cdk/core:annotationsInValidationReport, every error
// annotation (cdk-nag's unsuppressed findings among them) lands in
// <outdir>/validation-report.json and fails synthesis.
type Violation struct {
	Rule        string // "AwsSolutions-SQS4", or the validation rule's name
	Description string
	Paths       []string // construct paths
}

// ValidationReport reads the violations of outdir/validation-report.json.
func ValidationReport(outdir string) ([]Violation, error) {
	raw, err := os.ReadFile(filepath.Join(outdir, "validation-report.json"))
	if err != nil {
		return nil, err
	}
	var rep struct {
		PluginReports []struct {
			Violations []struct {
				RuleName            string `json:"ruleName"`
				Description         string `json:"description"`
				ViolatingConstructs []struct {
					ConstructPath string `json:"constructPath"`
				} `json:"violatingConstructs"`
			} `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		return nil, fmt.Errorf("validation report: %w", err)
	}
	var out []Violation
	for _, p := range rep.PluginReports {
		for _, v := range p.Violations {
			desc := strings.TrimSpace(v.Description)
			rule := v.RuleName
			if id, _, ok := strings.Cut(desc, ":"); ok && strings.HasPrefix(id, "AwsSolutions-") {
				rule = id
			}
			var paths []string
			for _, c := range v.ViolatingConstructs {
				paths = append(paths, c.ConstructPath)
			}
			out = append(out, Violation{Rule: rule, Description: desc, Paths: paths})
		}
	}
	return out, nil
}

// synthFailure explains a synthesis that panicked: the validation report's
// violations when there is one, else the panic itself.
func synthFailure(outdir string, r any) error {
	vs, err := ValidationReport(outdir)
	if err != nil || len(vs) == 0 {
		return fmt.Errorf("synthesis failed: %v", r)
	}
	var b strings.Builder
	for _, v := range vs {
		first, _, _ := strings.Cut(v.Description, "\n")
		fmt.Fprintf(&b, "\n  %s at %s", first, strings.Join(v.Paths, ", "))
	}
	return fmt.Errorf("synthesis failed validation (%d findings; %s):%s", len(vs), filepath.Join(outdir, "validation-report.json"), b.String())
}
