// Package awsapi calls AWS JSON and REST-JSON APIs directly: a request
// signed with the SDK's own SigV4 signer, credentials and region from an
// aws.Config, the endpoint resolved the way the SDK resolves it, AWS error
// responses decoded into *Error, and the SDK's standard retryer around
// each call unless the caller asks for a single attempt.
//
// It exists for cold start, not for features. Since aws-sdk-go-v2 moved
// its service clients to schema-serde, each service package carries a
// generated schemas package of package-level variables and an endpoints
// table that run at package init, before main: the Lambda client cost the
// crawl function ~4 ms and ~4,000 allocations of its 30 ms init budget,
// bedrockruntime another ~2.5 ms, for the one or two operations RipTide
// calls. Those operations are a POST each; their wire format is documented
// and small (see lambdainvoke and shared/llm/bedrock), so they are made
// here. The SDK's core module (credentials, signer, retry) is linked by
// every function anyway through config.LoadDefaultConfig; this package
// imports no service/* module, and a test keeps it that way.
package awsapi
