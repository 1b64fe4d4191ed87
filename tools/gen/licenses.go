package main

import (
	"fmt"
	"os"
	"strings"
)

// The licence audit (make licenses, run in CI beside govulncheck): every
// third-party module the main module builds, tests and tools included,
// must carry a license file that licensecheck recognises, and every
// licence found must be on the allow list. A module whose file is not
// recognised fails the audit until someone reads it and records the
// verdict in reviewedLicenses.

// allowedLicenses are permissive licences, and MPL-2.0, whose copyleft is
// per file and is met by shipping the module's files unchanged.
var allowedLicenses = map[string]bool{
	"Apache-2.0": true, "MIT": true, "MIT-0": true, "BSD-2-Clause": true, "BSD-3-Clause": true,
	"ISC": true, "0BSD": true, "Unlicense": true, "CC0-1.0": true, "Zlib": true, "MPL-2.0": true,
	"BSD-3-Clause-Clear": true, "Python-2.0": true, "BlueOak-1.0.0": true,
}

// reviewedLicenses are modules whose license file licensecheck does not
// recognise, read by hand: module path -> the licence found.
var reviewedLicenses = map[string]string{}

// licenseAudit lists every module with its licences and returns the
// problems found.
func licenseAudit(root string) (report string, problems []string, err error) {
	mods, err := listModules(root, nil, "-deps", "-test", "./...")
	if err != nil {
		return "", nil, err
	}
	var b strings.Builder
	for _, m := range mods {
		found := licenseOf(m.Dir)
		if r, ok := reviewedLicenses[m.Path]; ok && strings.HasPrefix(found, "UNKNOWN") {
			found = r + " (reviewed by hand)"
		}
		fmt.Fprintf(&b, "%s %s: %s\n", m.Path, m.Version, found)
		problems = append(problems, verdict(m.Path+" "+m.Version, found)...)
	}
	fmt.Fprintf(&b, "%d modules audited\n", len(mods))
	return b.String(), problems, nil
}

// verdict returns the problems of one module whose licence scan found
// found ("MIT", "Apache-2.0 AND MIT", "UNKNOWN (...)").
func verdict(mod, found string) []string {
	if strings.HasPrefix(found, "UNKNOWN") {
		return []string{mod + ": " + found}
	}
	var problems []string
	for _, id := range strings.Split(strings.TrimSuffix(found, " (reviewed by hand)"), " AND ") {
		if !allowedLicenses[id] {
			problems = append(problems, fmt.Sprintf("%s: licence %s is not on the allow list (tools/gen/licenses.go)", mod, id))
		}
	}
	return problems
}

// checkLicenses prints the audit and fails on any problem.
func checkLicenses(root string) error {
	report, problems, err := licenseAudit(root)
	if err != nil {
		return err
	}
	_, _ = os.Stdout.WriteString(report)
	if len(problems) > 0 {
		return fmt.Errorf("licence audit failed:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}
