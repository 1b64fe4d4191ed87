package main

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/riptidecrawler/riptide/shared/routes"
)

// WebSocketTrigger marks the function table entry served by the WebSocket API.
const WebSocketTrigger = "websocket"

// WebSocketAPIProps configures the WebSocket API.
type WebSocketAPIProps struct {
	Table     []routes.Function
	Functions *Functions
	StageName string
	// Stage-wide throttling of connects and messages (per second, burst).
	ThrottleRate  float64
	ThrottleBurst float64
	LogRetention  awslogs.RetentionDays
	// Endpoint, when set, is the function's RIPTIDE_WS_ENDPOINT: needed
	// behind a custom domain, where https://{domain}/{stage} derived from
	// the event is not the management API. Empty otherwise.
	Endpoint string
	// AccountLogging is what sets API Gateway's account-wide CloudWatch
	// role (the REST API); WebSocket stage logs need that role, so the
	// stage is created after it.
	AccountLogging constructs.IConstruct
	// FailedInvocations receives self-invocations that failed (nil: none).
	FailedInvocations awssqs.IQueue
}

// Asynchronous self-invocation settings of the WebSocket function.
const (
	// WSAsyncRetries: a failed message is not run again: a retry would
	// crawl again and post the same results to the client twice. It goes
	// to the failure destination instead.
	WSAsyncRetries = 0
	// WSAsyncMaxAgeMin: a message still queued (Lambda throttled the
	// invocation) after 10 minutes is dropped to the failure destination:
	// API Gateway closes a connection idle that long anyway.
	WSAsyncMaxAgeMin = 10
)

// WebSocketAPI is the API Gateway WebSocket API of the function whose
// table entry has the "websocket" trigger: $connect, $disconnect and
// $default all go to it. The function authenticates $connect itself (API
// key header, or a token from POST /api/v1/crawl/ws/token as ?token= or
// subprotocol), so there is no API Gateway authorizer, and answers through
// the management API (no route responses).
type WebSocketAPI struct {
	constructs.Construct
	// FunctionName is the table name of the function behind the API.
	FunctionName string
	Api          awsapigatewayv2.WebSocketApi
	Stage        awsapigatewayv2.WebSocketStage
}

// WebSocketRouteKeys are the routes of the WebSocket API, all to the one
// function: the client speaks the crawl protocol in plain messages, so no
// route selection by message content is needed.
func WebSocketRouteKeys() []string { return []string{"$connect", "$disconnect", "$default"} }

// websocketFunction returns the table entry with the websocket trigger; ok
// is false when there is none.
func websocketFunction(table []routes.Function) (f routes.Function, ok bool, err error) {
	var found []string
	for _, t := range table {
		if slices.Contains(t.Triggers, WebSocketTrigger) {
			found = append(found, t.Name)
			f, ok = t, true
		}
	}
	if len(found) > 1 {
		// One API routes $connect/$default to one function.
		return routes.Function{}, false, fmt.Errorf("functions %v all have the %q trigger: one WebSocket API serves one function", found, WebSocketTrigger)
	}
	return f, ok, nil
}

// webSocketAccessLogFormat is one JSON line per connect, message and
// disconnect ($context variables of WebSocket APIs).
func webSocketAccessLogFormat() awsapigateway.AccessLogFormat {
	b, _ := json.Marshal(map[string]string{
		"requestId":          "$context.requestId",
		"connectionId":       "$context.connectionId",
		"eventType":          "$context.eventType",
		"routeKey":           "$context.routeKey",
		"status":             "$context.status",
		"ip":                 "$context.identity.sourceIp",
		"requestTime":        "$context.requestTime",
		"integrationLatency": "$context.integrationLatency",
		"integrationError":   "$context.integration.error",
		"error":              "$context.error.message",
	})
	return awsapigateway.AccessLogFormat_Custom(jsii.String(string(b)))
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (a *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return a.destination }
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return a.format }

// NewWebSocketAPI makes the API, its routes and an auto-deployed stage with
// access logs, ERROR execution logs, metrics and throttling, and lets the
// function post to the stage's connections. Nil when no function has the
// websocket trigger.
func NewWebSocketAPI(scope constructs.Construct, id string, props *WebSocketAPIProps) (*WebSocketAPI, error) {
	f, ok, err := websocketFunction(props.Table)
	if err != nil || !ok {
		return nil, err
	}
	fn := props.Functions.Get(f.Name)
	if fn == nil {
		return nil, fmt.Errorf("websocket function %s: not built", f.Name)
	}
	alias := props.Functions.Alias(f.Name)
	c := constructs.NewConstruct(scope, jsii.String(id))
	stackName := *awscdk.Stack_Of(scope).StackName()

	wsAPI := awsapigatewayv2.NewWebSocketApi(c, jsii.String("Api"), &awsapigatewayv2.WebSocketApiProps{
		ApiName:     jsii.String(stackName + "-ws"),
		Description: jsii.String("RipTide crawl over WebSocket (" + f.Name + ")"),
	})
	// One integration for the three routes (the event says which route);
	// aws-cdk-lib adds one invoke permission per route, scoped to it.
	integ := awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String(constructID(f.Name)), alias, nil)
	for _, key := range WebSocketRouteKeys() {
		route := wsAPI.AddRoute(jsii.String(key), &awsapigatewayv2.WebSocketRouteOptions{Integration: integ})
		suppress(route, false, nagRule{
			ID: "AwsSolutions-APIG4",
			Reason: "No API Gateway authorizer: the function authenticates $connect itself (X-API-Key or Bearer key, or a short-lived token " +
				"from POST /api/v1/crawl/ws/token as ?token= or subprotocol riptide.token.<token>) and refuses with 401, " +
				"so $default and $disconnect only ever run on an authenticated connection.",
		})
	}

	accessLogs := awslogs.NewLogGroup(c, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention:     props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	stage := awsapigatewayv2.NewWebSocketStage(c, jsii.String("Stage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: wsAPI,
		StageName:    jsii.String(props.StageName),
		Description:  jsii.String("RipTide WebSocket stage"),
		AutoDeploy:   jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit: jsii.Number(props.ThrottleRate), BurstLimit: jsii.Number(props.ThrottleBurst),
		},
		DetailedMetricsEnabled: jsii.Bool(true),
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(accessLogs),
			format:      webSocketAccessLogFormat(),
		},
	})
	// The L2 stage has no execution-log setting; ERROR level matches the
	// REST API (no message bodies in the logs).
	cfnStage := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.AddPropertyOverride(jsii.String("DefaultRouteSettings.LoggingLevel"), jsii.String("ERROR"))
	cfnStage.AddPropertyOverride(jsii.String("DefaultRouteSettings.DataTraceEnabled"), jsii.Bool(false))
	if props.AccountLogging != nil {
		stage.Node().AddDependency(props.AccountLogging)
	}

	// The function posts replies: POST @connections/{id} on this stage only
	// (not GET/DELETE, not other stages or APIs). Connection ids are made
	// per client, hence the wildcard.
	connections := awscdk.Stack_Of(c).FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("execute-api"),
		Resource:     wsAPI.ApiId(),
		ResourceName: jsii.String(props.StageName + "/POST/@connections/*"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PostToWebSocketConnections"),
		Effect:    awsiam.Effect_ALLOW,
		Actions:   jsii.Strings("execute-api:ManageConnections"),
		Resources: &[]*string{connections},
	}))
	apiID := awscdk.Stack_Of(c).GetLogicalId(wsAPI.Node().DefaultChild().(awscdk.CfnElement))
	suppress(fn.Role(), true, nagRule{
		ID:     "AwsSolutions-IAM5",
		Reason: "Connection ids are made per client at $connect; the role may only POST to connections of this API's own stage.",
		AppliesTo: []string{fmt.Sprintf("Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<%s>/%s/POST/@connections/*",
			*apiID, props.StageName)},
	})
	if props.Endpoint != "" {
		fn.AddEnvironment(jsii.String("RIPTIDE_WS_ENDPOINT"), jsii.String(props.Endpoint), nil)
	}

	// Hand-offs go through the live alias (the function reads the alias
	// name, not its ARN: naming the alias here would be a dependency cycle).
	fn.AddEnvironment(jsii.String("RIPTIDE_WS_SELF_ALIAS"), jsii.String(LiveAlias), nil)

	// $default hands each message to an asynchronous invocation of the same
	// function (API Gateway stops waiting for a WebSocket integration after
	// 29 s; a crawl runs up to the function's timeout). A policy of its own,
	// not the role's default policy: the function depends on that one, and
	// a statement naming the function there would be a dependency cycle.
	awsiam.NewPolicy(c, jsii.String("InvokeSelf"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{fn.Role()},
		Statements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("HandOffWebSocketMessages"),
			Effect:    awsiam.Effect_ALLOW,
			Actions:   jsii.Strings("lambda:InvokeFunction"),
			Resources: &[]*string{fn.FunctionArn(), alias.FunctionArn()},
		})},
	})

	if props.FailedInvocations != nil {
		// The function invokes itself through the alias (RIPTIDE_WS_SELF_ALIAS);
		// the unqualified name keeps the same settings for a function deployed
		// without the variable.
		opts := &awslambda.EventInvokeConfigOptions{
			OnFailure:     awslambdadestinations.NewSqsDestination(props.FailedInvocations),
			RetryAttempts: jsii.Number(WSAsyncRetries),
			MaxEventAge:   awscdk.Duration_Minutes(jsii.Number(WSAsyncMaxAgeMin)),
		}
		fn.ConfigureAsyncInvoke(opts)
		alias.ConfigureAsyncInvoke(opts)
	}

	return &WebSocketAPI{Construct: c, FunctionName: f.Name, Api: wsAPI, Stage: stage}, nil
}

// URL is the wss:// URL of the stage.
func (w *WebSocketAPI) URL() *string { return w.Stage.Url() }

// CallbackURL is the https:// management endpoint of the stage.
func (w *WebSocketAPI) CallbackURL() *string { return w.Stage.CallbackUrl() }
