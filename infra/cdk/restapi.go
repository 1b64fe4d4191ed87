package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/routes"
)

// RestAPIProps configures the REST API.
type RestAPIProps struct {
	Routes    []routes.Route
	Functions *Functions
	StageName string
	// Stage-wide throttling (requests per second, burst). The application
	// rate-limits per key; this caps what the whole stage sends to Lambda.
	ThrottleRate  float64
	ThrottleBurst float64
	LogRetention  awslogs.RetentionDays
	// UsagePlans are API Gateway usage plans, one per rate-limit plan
	// name: the outer, coarse layer (per caller, per second, at the
	// gateway, before any Lambda but the authorizer runs). See
	// GatewayUsagePlan.
	UsagePlans []GatewayUsagePlan
	// WAFRateLimit: requests per client IP per 5 minutes (WebACL).
	WAFRateLimit int
}

// RestAPI is the API Gateway REST API serving every HTTP route of the route
// table (WebSocket routes are served by a WebSocket API instead). It lives in
// a nested stack of its own: one resource and one method per path and verb
// come to about 370 CloudFormation resources, which next to everything else
// would pass CloudFormation's 500-resource and 1 MB limits of one template.
type RestAPI struct {
	awscdk.NestedStack
	Api awsapigateway.RestApi
	WAF *WebACL
	// WAFName is the web ACL's name (its CloudWatch metrics' dimension).
	WAFName string
}

// NewRestAPI maps every path of every route (canonical, aliases, legacy) to
// its group's function through a Lambda proxy integration; stream routes use
// response streaming. Each resource also gets an ANY method to its group's
// function, so CORS preflights (answered by the application) and wrong
// methods (405 with Allow) reach the application instead of API Gateway's
// "Missing Authentication Token".
func NewRestAPI(scope constructs.Construct, id string, props *RestAPIProps) (*RestAPI, error) {
	c := awscdk.NewNestedStack(scope, jsii.String(id), &awscdk.NestedStackProps{
		Description: jsii.String("RipTide REST API: resources and methods derived from the route table"),
	})
	accessLogs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	restAPI := awsapigateway.NewRestApi(c, jsii.String("Api"), &awsapigateway.RestApiProps{
		RestApiName:   jsii.String(*awscdk.Stack_Of(scope).StackName() + "-api"),
		Description:   jsii.String("RipTide crawling and extraction API"),
		EndpointTypes: &[]awsapigateway.EndpointType{awsapigateway.EndpointType_REGIONAL},
		// A usage plan meters a request on the key the authorizer
		// function names (one per RipTide caller: gatewaykeys), never on
		// an x-api-key header a client chose.
		ApiKeySourceType: awsapigateway.ApiKeySourceType_AUTHORIZER,
		// Execution logs (ERROR level) need the account-wide API Gateway
		// CloudWatch role; retained because other APIs of the account may
		// rely on it after this stack is gone.
		CloudWatchRole:              jsii.Bool(true),
		CloudWatchRoleRemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		DeployOptions: &awsapigateway.StageOptions{
			StageName:            jsii.String(props.StageName),
			AccessLogDestination: awsapigateway.NewLogGroupLogDestination(accessLogs),
			AccessLogFormat: awsapigateway.AccessLogFormat_JsonWithStandardFields(&awsapigateway.JsonWithStandardFieldProps{
				Caller: jsii.Bool(true), HttpMethod: jsii.Bool(true), Ip: jsii.Bool(true), Protocol: jsii.Bool(true),
				RequestTime: jsii.Bool(true), ResourcePath: jsii.Bool(true), ResponseLength: jsii.Bool(true),
				Status: jsii.Bool(true), User: jsii.Bool(true),
			}),
			LoggingLevel:         awsapigateway.MethodLoggingLevel_ERROR,
			MetricsEnabled:       jsii.Bool(true),
			TracingEnabled:       jsii.Bool(true),
			ThrottlingRateLimit:  jsii.Number(props.ThrottleRate),
			ThrottlingBurstLimit: jsii.Number(props.ThrottleBurst),
		},
	})
	r := &RestAPI{NestedStack: c, Api: restAPI}
	stackName := *awscdk.Stack_Of(scope).StackName()
	meter, err := r.addMetering(stackName, props)
	if err != nil {
		return nil, err
	}
	if err := r.addRoutes(props, meter); err != nil {
		return nil, err
	}
	r.addGatewayResponses()
	r.WAF = NewWebACL(c, "Waf", *awscdk.Stack_Of(scope).StackName(), restAPI.DeploymentStage().StageArn(), props.WAFRateLimit, props.LogRetention)
	r.WAFName = r.WAF.Name

	// Stack-wide suppressions: this nested stack holds only the REST API,
	// and per-resource ones would be copied into each of its ~215 methods.
	suppressStack(c,
		nagRule{ID: "AwsSolutions-APIG2", Reason: "Requests are validated by the application (unknown fields, types, body limits) with RipTide's error shape; an API Gateway model would duplicate the route table and answer in another shape."},
		nagRule{ID: "AwsSolutions-APIG4", Reason: "Authentication is done by the application (X-API-Key or Bearer key checked against the API keys secret), so public routes and error shapes stay the same in every home; authenticated routes have a Lambda authorizer that meters them on usage plans, and the ANY fallbacks (CORS preflights, 405s) are answered by the application without one."},
		nagRule{ID: "AwsSolutions-COG4", Reason: "Clients authenticate with API keys checked by the application, not with Cognito user pools."},
		nagRule{
			ID:        "AwsSolutions-IAM4",
			Reason:    "AmazonAPIGatewayPushToCloudWatchLogs is the AWS-maintained policy for API Gateway's account-wide logging role.",
			AppliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
		},
	)

	return r, nil
}

// URL is the invoke URL of the stage.
func (r *RestAPI) URL() *string { return r.Api.Url() }

// BufferedTimeoutSec is API Gateway's default integration timeout for a
// buffered (non-streaming) REST method: the most a client waits without a
// quota increase, which would lower the account's throttle quota.
const BufferedTimeoutSec = 29

// IntegrationTimeout is the integration timeout in seconds of f's routes.
// A stream may last up to 15 minutes, so a stream route's timeout is the
// function's own (at most 900 s). A buffered route's is the function's
// timeout plus one second (the function reports its own timeout first), at
// most BufferedTimeoutSec: work that may run longer answers 202 and goes to
// the job queue instead (docs/deploy.md, "Long requests").
func IntegrationTimeout(f routes.Function, stream bool) int {
	if stream {
		return min(f.TimeoutSec, 900)
	}
	return min(f.TimeoutSec+1, BufferedTimeoutSec)
}

// GatewayTimeoutEnv tells a function serving buffered routes how long the
// gateway waits (ms), so it can answer 202 (or a partial result) in time.
const GatewayTimeoutEnv = "RIPTIDE_GATEWAY_TIMEOUT_MS"

// integrations caches one integration per function and transfer mode; with
// the permission scoped to the API (not to each method), a function gets one
// invoke permission however many paths it serves, which keeps its resource
// policy far below Lambda's 20 KB limit.
type integrations struct {
	fns   *Functions
	cache map[string]awsapigateway.LambdaIntegration
}

func (in *integrations) get(group string, stream bool) (awsapigateway.LambdaIntegration, error) {
	key := fmt.Sprintf("%s/%t", group, stream)
	if i, ok := in.cache[key]; ok {
		return i, nil
	}
	alias := in.fns.Alias(group)
	if alias == nil {
		return nil, fmt.Errorf("no function for route group %q", group)
	}
	def := in.fns.Def(group)
	opts := &awsapigateway.LambdaIntegrationOptions{
		Proxy:                   jsii.Bool(true),
		ScopePermissionToMethod: jsii.Bool(false),
		// Set on every integration, stream or not: see IntegrationTimeout.
		Timeout: awscdk.Duration_Seconds(jsii.Number(float64(IntegrationTimeout(def, stream)))),
	}
	if stream {
		// STREAM makes the integration call InvokeWithResponseStream
		// (.../2021-11-15/functions/<arn>/response-streaming-invocations).
		opts.ResponseTransferMode = awsapigateway.ResponseTransferMode_STREAM
	}
	// The alias, not the function: callers get the version CodeDeploy
	// has shifted them to.
	i := awsapigateway.NewLambdaIntegration(alias, opts)
	in.cache[key] = i
	return i, nil
}

func (r *RestAPI) addRoutes(props *RestAPIProps, meter *awsapigateway.MethodOptions) error {
	in := &integrations{fns: props.Functions, cache: map[string]awsapigateway.LambdaIntegration{}}
	type methodKey struct{ path, method string }
	owner := map[methodKey]string{} // -> route op
	var paths []string              // resource paths in first-seen order
	pathGroup := map[string]string{}
	timeoutSet := map[string]bool{}
	for _, rt := range props.Routes {
		if rt.WebSocket {
			continue // served by the WebSocket API
		}
		var opts *awsapigateway.MethodOptions
		if !rt.Public {
			opts = meter
		}
		integ, err := in.get(rt.Group, rt.Stream)
		if err != nil {
			return fmt.Errorf("route %s: %w", rt.Op, err)
		}
		if !rt.Stream && !timeoutSet[rt.Group] {
			timeoutSet[rt.Group] = true
			ms := IntegrationTimeout(props.Functions.Def(rt.Group), false) * 1000
			props.Functions.Get(rt.Group).AddEnvironment(jsii.String(GatewayTimeoutEnv), jsii.String(fmt.Sprint(ms)), nil)
		}
		for _, p := range rt.Paths() {
			gp, err := GatewayPath(p)
			if err != nil {
				return fmt.Errorf("route %s: %w", rt.Op, err)
			}
			k := methodKey{gp, rt.Method}
			if op, dup := owner[k]; dup {
				return fmt.Errorf("routes %s and %s both serve %s %s", op, rt.Op, rt.Method, gp)
			}
			owner[k] = rt.Op
			if _, seen := pathGroup[gp]; !seen {
				pathGroup[gp] = rt.Group
				paths = append(paths, gp)
			}
			r.Api.Root().ResourceForPath(jsii.String(gp)).AddMethod(jsii.String(rt.Method), integ, opts)
		}
	}
	for _, gp := range paths {
		integ, err := in.get(pathGroup[gp], false)
		if err != nil {
			return err
		}
		r.Api.Root().ResourceForPath(jsii.String(gp)).AddMethod(jsii.String("ANY"), integ, nil)
	}
	return nil
}

var segmentRe = regexp.MustCompile(`^(\{[A-Za-z_][A-Za-z0-9_]*\+?\}|[A-Za-z0-9._~-]+)$`)

// GatewayPath converts a net/http pattern path ("/api/v1/sessions/{id}",
// "/files/{path...}") to an API Gateway resource path ("{id}", "{path+}").
// Patterns API Gateway cannot express ({$}, partial-segment wildcards) are
// errors, so a new route cannot silently go missing from the REST API.
func GatewayPath(pattern string) (string, error) {
	if !strings.HasPrefix(pattern, "/") {
		return "", fmt.Errorf("path %q: must start with /", pattern)
	}
	if pattern == "/" {
		return "/", nil
	}
	segs := strings.Split(strings.TrimPrefix(pattern, "/"), "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "...}") {
			if i != len(segs)-1 {
				return "", fmt.Errorf("path %q: a {name...} wildcard must be the last segment", pattern)
			}
			s = strings.TrimSuffix(s, "...}") + "+}"
		}
		if !segmentRe.MatchString(s) {
			return "", fmt.Errorf("path %q: segment %q cannot be an API Gateway resource", pattern, segs[i])
		}
		segs[i] = s
	}
	return "/" + strings.Join(segs, "/"), nil
}

// gatewayError is RipTide's error body for errors API Gateway answers
// itself, so clients see one error shape whoever answers.
func gatewayError(typ, message string, status int, retryable bool) string {
	return fmt.Sprintf(`{"error":{"type":%q,"message":%q,"retryable":%t,"status":%d,"request_id":"$context.requestId"}}`,
		typ, message, retryable, status)
}

func (r *RestAPI) addGatewayResponses() {
	for _, g := range []struct {
		id        string
		typ       awsapigateway.ResponseType
		status    int
		errType   string
		message   string
		retryable bool
	}{
		// API Gateway answers an unknown path with 403 "Missing
		// Authentication Token"; it is a 404 in RipTide's terms.
		{"NotFound", awsapigateway.ResponseType_MISSING_AUTHENTICATION_TOKEN(), 404, "not_found", "no route for this path", false},
		{"Throttled", awsapigateway.ResponseType_THROTTLED(), 429, "rate_limited", "too many requests for this API stage or for your plan's gateway limit", true},
		// The authorizer meters every authenticated request: if it fails
		// (or names a key API Gateway does not know), the request was
		// not refused by anyone's rule, so it is a retryable 503.
		{"AuthorizerFailure", awsapigateway.ResponseType_AUTHORIZER_FAILURE(), 503, "dependency_error", "the request could not be metered (authorizer failed); try again", true},
		{"AuthorizerConfiguration", awsapigateway.ResponseType_AUTHORIZER_CONFIGURATION_ERROR(), 503, "dependency_error", "the request could not be metered (authorizer misconfigured); try again", true},
		{"InvalidUsageKey", awsapigateway.ResponseType_INVALID_API_KEY(), 503, "dependency_error", "the request could not be metered (unknown usage key); try again", true},
		{"TooLarge", awsapigateway.ResponseType_REQUEST_TOO_LARGE(), 413, "payload_too_large", "request larger than API Gateway accepts (10 MB)", false},
		{"Timeout", awsapigateway.ResponseType_INTEGRATION_TIMEOUT(), 504, "timeout_error", "the function did not answer within the gateway timeout; use the stream or async (job) form", true},
		{"IntegrationFailure", awsapigateway.ResponseType_INTEGRATION_FAILURE(), 502, "dependency_error", "the function failed before answering", true},
	} {
		r.Api.AddGatewayResponse(jsii.String(g.id), &awsapigateway.GatewayResponseOptions{
			Type:       g.typ,
			StatusCode: jsii.String(fmt.Sprint(g.status)),
			Templates:  &map[string]*string{"application/json": jsii.String(gatewayError(g.errType, g.message, g.status, g.retryable))},
		})
	}
}

// GatewayUsagePlan is an API Gateway usage plan: requests per second and
// burst for each caller metered on it, on this stage. The authorizer
// function meters every request of an authenticated route on a key of its
// caller's own, attached to the usage plan of the caller's rate-limit plan
// (gatewaykeys), so the plans throttle each caller at the gateway before
// any function runs; the application's limits (per minute, per cost) stay
// the precise layer behind them.
type GatewayUsagePlan struct {
	Name          string
	RatePerSecond float64
	Burst         float64
}

// DefaultUsagePlans are the usage plans of a stack that names none.
// "anonymous" meters requests without a valid credential (all of them
// together), which the application then refuses: a flood of them is
// throttled at the gateway.
var DefaultUsagePlans = []GatewayUsagePlan{
	{Name: "default", RatePerSecond: 10, Burst: 20},
	{Name: "pro", RatePerSecond: 50, Burst: 100},
	{Name: gatewaykeys.AnonymousPlan, RatePerSecond: 5, Burst: 10},
}

// AuthorizerFunction is the function that meters REST requests.
const AuthorizerFunction = "authorizer"

// addMetering makes the usage plans, each with its shared fallback key,
// and the request authorizer (the authorizer function, results not cached:
// its identity can be X-API-Key or a bearer token, and API Gateway only
// caches on identity sources every request carries); it returns the method
// options of an authenticated route.
func (r *RestAPI) addMetering(stackName string, props *RestAPIProps) (*awsapigateway.MethodOptions, error) {
	fn := props.Functions.Get(AuthorizerFunction)
	if fn == nil {
		return nil, fmt.Errorf("no %s function in the function table: the usage plans would meter nobody", AuthorizerFunction)
	}
	if !slices.ContainsFunc(props.UsagePlans, func(p GatewayUsagePlan) bool { return p.Name == gatewaykeys.DefaultPlan }) {
		// Callers of a plan the stack has no usage plan for are metered
		// on default's.
		return nil, fmt.Errorf("usage plans: one must be named %q", gatewaykeys.DefaultPlan)
	}
	names := make([]string, len(props.UsagePlans))
	planARNs := []*string{}
	for i, p := range props.UsagePlans {
		names[i] = p.Name
		plan := r.Api.AddUsagePlan(jsii.String("UsagePlan-"+p.Name), &awsapigateway.UsagePlanProps{
			Name:        jsii.String(gatewaykeys.UsagePlanName(stackName, p.Name)),
			Description: jsii.String("RipTide plan " + p.Name + ": per-caller throttle at the gateway, in front of the application's limits"),
			Throttle:    &awsapigateway.ThrottleSettings{RateLimit: jsii.Number(p.RatePerSecond), BurstLimit: jsii.Number(p.Burst)},
			ApiStages: &[]*awsapigateway.UsagePlanPerApiStage{{
				Api: r.Api, Stage: r.Api.DeploymentStage(),
			}},
		})
		// The plan's shared key: what its callers are metered on while
		// the authorizer cannot make their own (control plane throttled).
		shared := awsapigateway.NewApiKey(r.NestedStack, jsii.String("SharedKey-"+p.Name), &awsapigateway.ApiKeyProps{
			ApiKeyName:  jsii.String(gatewaykeys.KeyName(stackName, gatewaykeys.SharedCaller(p.Name))),
			Value:       jsii.String(gatewaykeys.KeyValue(stackName, gatewaykeys.SharedCaller(p.Name))),
			Description: jsii.String("RipTide plan " + p.Name + ": shared fallback key of the authorizer"),
			Enabled:     jsii.Bool(true),
		})
		plan.AddApiKey(shared, nil)
		planARNs = append(planARNs, gatewayARN("/usageplans/"+*plan.UsagePlanId()+"/keys"), gatewayARN("/usageplans/"+*plan.UsagePlanId()+"/keys/*"))
	}
	fn.AddEnvironment(jsii.String("RIPTIDE_GATEWAY_STACK"), jsii.String(stackName), nil)
	fn.AddEnvironment(jsii.String("RIPTIDE_GATEWAY_PLANS"), jsii.String(strings.Join(names, ",")), nil)
	// In this nested stack, not on the function's default policy: the
	// plans' ids live here, and the function must not wait for them.
	policy := awsiam.NewPolicy(r.NestedStack, jsii.String("AuthorizerGatewayKeys"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{fn.Role()},
		Statements: &[]awsiam.PolicyStatement{
			// CreateApiKey, GetApiKeys, GetUsagePlans: collection
			// resources, which have no narrower ARN.
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("apigateway:GET", "apigateway:POST"),
				Resources: &[]*string{gatewayARN("/apikeys"), gatewayARN("/usageplans")},
			}),
			// CreateUsagePlanKey, DeleteUsagePlanKey on this stack's plans.
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("apigateway:POST", "apigateway:DELETE"),
				Resources: &planARNs,
			}),
		},
	})
	suppress(policy, true, nagRule{
		ID: "AwsSolutions-IAM5",
		Reason: "DeleteUsagePlanKey names the API key in the resource path (/usageplans/<plan>/keys/<key>); the keys are made per caller at run time, " +
			"so the path ends in a wildcard, on this stack's usage plans only.",
		AppliesTo: []string{`regex:/^Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::\/usageplans\/<ApiUsagePlan[A-Za-z0-9]+>\/keys\/\*$/`},
	})
	auth := awsapigateway.NewRequestAuthorizer(r.NestedStack, jsii.String("Metering"), &awsapigateway.RequestAuthorizerProps{
		Handler:         props.Functions.Alias(AuthorizerFunction),
		IdentitySources: &[]*string{},
		ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
	})
	return &awsapigateway.MethodOptions{Authorizer: auth, AuthorizationType: awsapigateway.AuthorizationType_CUSTOM, ApiKeyRequired: jsii.Bool(true)}, nil
}

// gatewayARN is the ARN of an API Gateway control-plane resource path.
func gatewayARN(path string) *string {
	return jsii.String("arn:" + *awscdk.Aws_PARTITION() + ":apigateway:" + *awscdk.Aws_REGION() + "::" + path)
}
