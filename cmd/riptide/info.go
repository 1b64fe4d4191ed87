package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/routes"
	"github.com/riptidecrawler/riptide/shared/version"
)

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version (also: riptide --version)",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return printVersion(cmd.OutOrStdout()) },
	}
}

func routesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "routes",
		Short: "List the route table (group, method, path, status, auth, legacy paths)",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return printRoutes(cmd.OutOrStdout()) },
	}
}

func openAPICommand() *cobra.Command {
	var lintIgnore bool
	c := &cobra.Command{
		Use:   "openapi",
		Short: "Print the OpenAPI document (JSON); `make openapi` writes it to shared/routes/openapi.json",
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if lintIgnore {
				_, err := cmd.OutOrStdout().Write(redoclyIgnore())
				return err
			}
			return printOpenAPI(cmd.OutOrStdout())
		},
	}
	c.Flags().BoolVar(&lintIgnore, "lint-ignore", false, "print redocly's ignore file instead: the planned operations, which have no 2XX answer yet")
	return c
}

func printVersion(w io.Writer) error {
	_, err := fmt.Fprintf(w, "riptide %s (API v%s)\n", version.String(), httpx.APIVersion)
	return err
}

func printRoutes(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tMETHOD\tPATH\tSTATUS\tAUTH\tLEGACY/ALIASES")
	for _, r := range routes.Routes() {
		auth := "key"
		if r.Public {
			auth = "public"
		}
		other := append(append([]string{}, r.Aliases...), r.Legacy...)
		flags := ""
		if r.Stream {
			flags = " (stream)"
		}
		if r.WebSocket {
			flags = " (websocket)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s%s\t%s\t%s\t%s\n", r.Group, r.Method, r.Path, flags, r.Status, auth, strings.Join(other, " "))
	}
	return tw.Flush()
}

func printOpenAPI(w io.Writer) error {
	doc, err := openAPIDocument()
	if err != nil {
		return err
	}
	_, err = w.Write(doc)
	return err
}
