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
// calls. Those operations' wire formats are documented and small, so they
// are made here:
//
//   - Do sends one signed request, built by the caller from the
//     operation's HTTP bindings (lambdainvoke, shared/llm/bedrock,
//     shared/secrets).
//   - DoJSON is Do with a JSON body in and out, for REST-JSON operations
//     (EventBridge Scheduler: shared/queue/ebscheduler).
//   - CallJSON calls an operation of an AWS JSON 1.0/1.1 service, named by
//     Service.TargetPrefix and JSONVersion: SQS (shared/queue/sqsqueue),
//     Step Functions (shared/stepfn).
//     Query-compatible services (SQS) also report their legacy query
//     error code (Error.QueryCode), as the SDK does.
//   - S3 (Service.S3, Options.Bucket): Do with S3's signing rules and XML
//     errors, the bucket addressed virtual-hosted or path-style as the
//     SDK's endpoint rules do, and Presign for presigned GET and PUT links
//     (shared/blob/s3blob).
//
// The SDK's core module (credentials, signer, retry) is linked by every
// function anyway; this package imports no service/* module, and a test
// keeps it that way. The adapters test their operations against moto_server
// and a signed loopback fake for the error paths.
package awsapi
