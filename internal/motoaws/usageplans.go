package motoaws

import (
	"context"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys/apigw"
)

// UsagePlans makes stack's usage plans in moto's API Gateway, named as the
// CDK app names them (CreateUsagePlan, which RipTide itself never calls),
// and returns their ids by plan.
func UsagePlans(t *testing.T, cfg aws.Config, stack string, plans ...string) map[string]string {
	t.Helper()
	api, err := awsapi.New(context.Background(), cfg, apigw.Service, awsapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]string{}
	for _, p := range plans {
		var out struct {
			ID string `json:"id"`
		}
		in := map[string]any{"name": gatewaykeys.UsagePlanName(stack, p), "throttle": map[string]any{"rateLimit": 10, "burstLimit": 20}}
		if _, err := api.DoJSON(context.Background(), awsapi.Request{Method: http.MethodPost, Path: "/usageplans"}, in, &out); err != nil || out.ID == "" {
			t.Fatalf("create usage plan %s: %v", p, err)
		}
		ids[p] = out.ID
	}
	return ids
}
