package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"

	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// newProcess is the CLI's composition root. It runs on a developer's or an
// operator's machine, so AWS credentials come from the SDK's whole chain
// (profiles, SSO, instance roles), not from the environment alone as in
// a Lambda function.
func newProcess(ctx context.Context, name string, lookup config.LookupFunc) (*wire.Process, error) {
	return wire.New(ctx, name, lookup, wire.WithAWSLoader(func(ctx context.Context) (aws.Config, error) {
		return awsconfig.LoadDefaultConfig(ctx)
	}))
}
