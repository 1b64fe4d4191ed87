// Command peer is the cold-start yardstick of tools/coldstart: the smallest
// useful Go Lambda behind API Gateway (aws-lambda-go, one handler that
// answers 200), built with the same flags as the functions. Its init time
// on the measuring machine is the floor no function can go below there;
// the report divides every function's init by it.
package main

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, _ events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: `{"ok":true}`}, nil
}

func main() { lambda.Start(handle) }
