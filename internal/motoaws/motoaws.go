// Package motoaws points a test at moto_server for the AWS APIs. It is
// apart from testenv because it imports aws-sdk-go-v2, which the CDK
// module (which uses testenv) does not require.
package motoaws

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/internal/testenv"
)

// Config starts moto_server and points this test's process environment at
// it (region, test credentials, AWS_ENDPOINT_URL, no shared config files),
// so what a process loads (wire.Process.AWS, the SDK's loader) calls moto.
// It returns the same configuration for the test's own SDK clients.
func Config(t *testing.T, region string) aws.Config {
	t.Helper()
	endpoint := testenv.MotoURL(t)
	for k, v := range map[string]string{"AWS_ENDPOINT_URL": endpoint, "AWS_REGION": region, "AWS_ACCESS_KEY_ID": "test",
		"AWS_SECRET_ACCESS_KEY": "test", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		t.Setenv(k, v)
	}
	return aws.Config{Region: region, BaseEndpoint: aws.String(endpoint), Credentials: aws.CredentialsProviderFunc(
		func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test", Source: "motoaws"}, nil
		})}
}
