// Package functions holds one main package per Lambda function
// (functions/<name>/main.go, wiring only) and the integration test that
// runs the real bootstrap binaries under the AWS Lambda Runtime Interface
// Emulator.
package functions
