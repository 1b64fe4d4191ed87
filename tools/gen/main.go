// Command gen writes the files derived from the route table, so they cannot
// drift from it: the SAM template, the sample Lambda events and NOTICE.
// `go test ./tools/gen` fails when a checked-in copy is stale.
//
//	go run ./tools/gen sam     > template.yaml
//	go run ./tools/gen events  (writes events/<function>/*.json)
//	go run ./tools/gen notice  > NOTICE
//	go run ./tools/gen readme  (rewrites the configuration table in README.md)
//	go run ./tools/gen licenses (the licence audit: fails on an unknown or forbidden licence)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen sam|events|notice|readme|licenses")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "sam":
		var b []byte
		if b, err = samTemplate(); err == nil {
			_, err = os.Stdout.Write(b)
		}
	case "events":
		err = writeEvents(".")
	case "readme":
		err = readmeConfig(".")
	case "licenses":
		err = checkLicenses(".")
	case "notice":
		var b []byte
		if b, err = notice("."); err == nil {
			_, err = os.Stdout.Write(b)
		}
	default:
		err = fmt.Errorf("unknown target %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
