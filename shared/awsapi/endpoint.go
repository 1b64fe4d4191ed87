package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Service names an AWS service the way the SDK does, for endpoint
// resolution and signing.
type Service struct {
	// ID is the SDK service id ("Lambda", "Bedrock Runtime"). It names the
	// service's endpoint variable (AWS_ENDPOINT_URL_ + the id upper-cased,
	// spaces as underscores) and its section in the shared config file.
	ID string
	// EndpointPrefix is the first label of the default endpoint's host
	// ("lambda" in lambda.eu-west-1.amazonaws.com).
	EndpointPrefix string
	// SigningName is the SigV4 service name (Bedrock Runtime signs as
	// "bedrock").
	SigningName string
	// TargetPrefix and JSONVersion describe a service of the AWS JSON
	// protocol, for CallJSON: the X-Amz-Target prefix before the
	// operation ("AmazonSQS", "AWSStepFunctions") and the protocol version
	// in the content type ("1.0", "1.1"). Empty for REST services.
	TargetPrefix, JSONVersion string
	// QueryCompatible marks a JSON service that moved from the AWS Query
	// protocol and still speaks its error codes (SQS): requests carry
	// X-Amzn-Query-Mode, errors X-Amzn-Query-Error (Error.QueryCode).
	QueryCompatible bool
	// S3 marks Amazon S3's REST-XML protocol and signing rules: the path is
	// signed as sent (the SDK's DisableURIPathEscaping: keys are escaped
	// once, not twice), the payload hash travels in X-Amz-Content-Sha256,
	// errors are XML (<Error><Code>), and dual-stack endpoints are
	// <prefix>[-fips].dualstack.<region>.<DNS suffix>.
	S3 bool
}

// EndpointVar is the environment variable that sets this service's
// endpoint alone: AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
func (s Service) EndpointVar() string {
	return "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(s.ID), " ", "_")
}

// The provider interfaces the SDK's config sources (config.EnvConfig,
// config.SharedConfig) implement. The SDK declares them in an internal
// package; they are matched here by method set, as the SDK's own service
// clients match them.
type (
	serviceEndpointProvider interface {
		GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
	}
	ignoreEndpointsProvider interface {
		GetIgnoreConfiguredEndpoints(ctx context.Context) (bool, bool, error)
	}
	fipsProvider interface {
		GetUseFIPSEndpoint(ctx context.Context) (aws.FIPSEndpointState, bool, error)
	}
	dualStackProvider interface {
		GetUseDualStackEndpoint(ctx context.Context) (aws.DualStackEndpointState, bool, error)
	}
)

// ResolveEndpoint returns the base URL of svc for cfg, in the SDK's order:
//
//  1. override, when not empty (a caller's explicit endpoint, like a
//     service client's BaseEndpoint option);
//  2. the service's own endpoint from the config sources
//     (AWS_ENDPOINT_URL_<SERVICE>, or the shared config file's services
//     section), unless AWS_ENDPOINT_URL is set and the service variable is
//     not, or configured endpoints are ignored
//     (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
//  3. cfg.BaseEndpoint (config.LoadDefaultConfig puts AWS_ENDPOINT_URL
//     there);
//  4. https://<prefix>[-fips].<region>.<partition DNS suffix>, with the
//     dual-stack suffix when dual-stack endpoints are enabled.
func ResolveEndpoint(ctx context.Context, cfg aws.Config, svc Service, override, region string) (*url.URL, error) {
	fips, dualStack := endpointVariants(ctx, cfg.ConfigSources)
	base := override
	if base == "" {
		base = configuredEndpoint(ctx, cfg, svc)
	}
	if base != "" {
		if fips {
			return nil, errors.New("awsapi: FIPS endpoints and a custom endpoint cannot be combined")
		}
		if dualStack {
			return nil, errors.New("awsapi: dual-stack endpoints and a custom endpoint cannot be combined")
		}
		u, err := url.Parse(base)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("awsapi: %s endpoint %q is not an absolute URL", svc.ID, base)
		}
		return u, nil
	}
	if region == "" {
		return nil, fmt.Errorf("awsapi: no AWS region configured for %s (set AWS_REGION)", svc.ID)
	}
	if !validHostLabel(region) {
		return nil, fmt.Errorf("awsapi: invalid AWS region %q", region)
	}
	p := partitionOf(region)
	host, suffix := svc.EndpointPrefix, p.dnsSuffix
	if fips {
		host += "-fips"
	}
	switch {
	case dualStack && svc.S3:
		host += ".dualstack"
	case dualStack:
		suffix = p.dualStackSuffix
	}
	return &url.URL{Scheme: "https", Host: host + "." + region + "." + suffix}, nil
}

// configuredEndpoint is steps 2 and 3 of ResolveEndpoint, as each
// generated service client's resolveBaseEndpoint does them.
func configuredEndpoint(ctx context.Context, cfg aws.Config, svc Service) string {
	base := ""
	if cfg.BaseEndpoint != nil {
		base = *cfg.BaseEndpoint
	}
	_, global := os.LookupEnv("AWS_ENDPOINT_URL")
	_, own := os.LookupEnv(svc.EndpointVar())
	if global && !own {
		return base
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(ignoreEndpointsProvider); ok {
			if v, found, _ := p.GetIgnoreConfiguredEndpoints(ctx); found {
				if v {
					return base
				}
				break
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(serviceEndpointProvider); ok {
			v, found, err := p.GetServiceBaseEndpoint(ctx, svc.ID)
			if err != nil {
				break
			}
			if found {
				return v
			}
		}
	}
	return base
}

func endpointVariants(ctx context.Context, sources []any) (fips, dualStack bool) {
	for _, src := range sources {
		if p, ok := src.(fipsProvider); ok {
			if v, found, err := p.GetUseFIPSEndpoint(ctx); err == nil && found {
				fips = v == aws.FIPSEndpointStateEnabled
				break
			}
		}
	}
	for _, src := range sources {
		if p, ok := src.(dualStackProvider); ok {
			if v, found, err := p.GetUseDualStackEndpoint(ctx); err == nil && found {
				dualStack = v == aws.DualStackEndpointStateEnabled
				break
			}
		}
	}
	return fips, dualStack
}

// partition is the part of the SDK's partitions.json an endpoint needs.
// Every partition supports FIPS and dual-stack endpoints.
type partition struct {
	regionPrefix               string
	dnsSuffix, dualStackSuffix string
}

// partitions in the order their region patterns must be tried (the more
// specific us-iso* and us-gov before the commercial "us-"); a region that
// matches none is in the commercial partition, as in the SDK.
var partitions = [...]partition{
	{"us-gov-", "amazonaws.com", "api.aws"},
	{"us-isob-", "sc2s.sgov.gov", "api.aws.scloud"},
	{"us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"},
	{"us-iso-", "c2s.ic.gov", "api.aws.ic.gov"},
	{"eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"},
	{"eusc-", "amazonaws.eu", "api.amazonwebservices.eu"},
	{"cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
}

var commercial = partition{dnsSuffix: "amazonaws.com", dualStackSuffix: "api.aws"}

func partitionOf(region string) partition {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.regionPrefix) {
			return p
		}
	}
	return commercial
}

// validHostLabel is the SDK's check of a region (a DNS label of letters,
// digits and hyphens, not starting with a hyphen).
func validHostLabel(s string) bool {
	if s == "" || len(s) > 63 || s[0] == '-' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
