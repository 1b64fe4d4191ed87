//lint:file-ignore SA1019 cxapi's synthesis message types are deprecated in aws-cdk-go v2.276.0 (moved to a JS-only package) with no Go replacement; this file is the one place that reads them.

package main

import (
	"fmt"
	"os"

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
