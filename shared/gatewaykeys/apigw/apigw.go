// Package apigw is gatewaykeys' Gateway on Amazon API Gateway's control
// plane (REST-JSON, signed by shared/awsapi rather than the SDK's client:
// the authorizer runs on every request's cold path, see docs/cold-start.md).
package apigw

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
)

// Service is Amazon API Gateway's control plane (SDK id "API Gateway":
// AWS_ENDPOINT_URL_API_GATEWAY).
var Service = awsapi.Service{ID: "API Gateway", EndpointPrefix: "apigateway", SigningName: "apigateway"}

// Error codes of the API that the adapter tells apart.
const (
	codeConflict = "ConflictException"
	codeNotFound = "NotFoundException"
)

// pageSize is the most items one GET asks for (API Gateway's maximum).
const pageSize = "500"

// Client implements gatewaykeys.Gateway.
type Client struct {
	api *awsapi.Client
}

var _ gatewaykeys.Gateway = (*Client)(nil)

// New returns a client for cfg (region, credentials, endpoint settings,
// the SDK's standard retries unless opts say otherwise).
func New(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*Client, error) {
	api, err := awsapi.New(ctx, cfg, Service, opts)
	if err != nil {
		return nil, err
	}
	return &Client{api: api}, nil
}

type item struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Value string `json:"value"`
}

type page struct {
	Items    []item `json:"item"`
	Position string `json:"position"`
}

// list reads every page of a collection.
func (c *Client) list(ctx context.Context, path string, q url.Values) ([]item, error) {
	var all []item
	for {
		q.Set("limit", pageSize)
		var p page
		if _, err := c.api.DoJSON(ctx, awsapi.Request{Method: http.MethodGet, Path: path, Query: q}, nil, &p); err != nil {
			return nil, mapErr(err)
		}
		all = append(all, p.Items...)
		if p.Position == "" || len(p.Items) == 0 {
			return all, nil
		}
		q.Set("position", p.Position)
	}
}

// UsagePlanID implements gatewaykeys.Gateway (GetUsagePlans, by name).
func (c *Client) UsagePlanID(ctx context.Context, name string) (string, error) {
	plans, err := c.list(ctx, "/usageplans", url.Values{})
	if err != nil {
		return "", err
	}
	for _, p := range plans {
		if p.Name == name {
			return p.ID, nil
		}
	}
	return "", gatewaykeys.ErrNotFound
}

// CreateKey implements gatewaykeys.Gateway (CreateApiKey).
func (c *Client) CreateKey(ctx context.Context, name, value, description string) (string, error) {
	in := map[string]any{"name": name, "value": value, "enabled": true, "description": description}
	var out item
	if _, err := c.api.DoJSON(ctx, awsapi.Request{Method: http.MethodPost, Path: "/apikeys"}, in, &out); err != nil {
		if awsapi.IsCode(err, codeConflict) {
			return "", gatewaykeys.ErrKeyExists
		}
		return "", mapErr(err)
	}
	if out.ID == "" {
		return "", errors.New("apigw: CreateApiKey answered without an id")
	}
	return out.ID, nil
}

// FindKey implements gatewaykeys.Gateway (GetApiKeys; its name filter
// matches prefixes, so the name is compared again).
func (c *Client) FindKey(ctx context.Context, name, value string) (string, error) {
	keys, err := c.list(ctx, "/apikeys", url.Values{"name": {name}, "includeValues": {"true"}})
	if err != nil {
		return "", err
	}
	for _, k := range keys {
		if k.Name == name && k.Value == value {
			return k.ID, nil
		}
	}
	return "", gatewaykeys.ErrNotFound
}

// PlansOf implements gatewaykeys.Gateway (GetUsagePlans with keyId).
func (c *Client) PlansOf(ctx context.Context, keyID string) ([]string, error) {
	plans, err := c.list(ctx, "/usageplans", url.Values{"keyId": {keyID}})
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(plans))
	for i, p := range plans {
		ids[i] = p.ID
	}
	return ids, nil
}

// AddToPlan implements gatewaykeys.Gateway (CreateUsagePlanKey). A
// conflict means the key is in the plan already: gatewaykeys.Meter takes a
// key out of its other plans before it adds it.
func (c *Client) AddToPlan(ctx context.Context, planID, keyID string) error {
	in := map[string]string{"keyId": keyID, "keyType": "API_KEY"}
	_, err := c.api.DoJSON(ctx, awsapi.Request{Method: http.MethodPost, Path: "/usageplans/" + awsapi.PathLabel(planID) + "/keys"}, in, nil)
	if awsapi.IsCode(err, codeConflict) {
		return nil
	}
	return mapErr(err)
}

// RemoveFromPlan implements gatewaykeys.Gateway (DeleteUsagePlanKey).
func (c *Client) RemoveFromPlan(ctx context.Context, planID, keyID string) error {
	_, err := c.api.DoJSON(ctx, awsapi.Request{Method: http.MethodDelete,
		Path: "/usageplans/" + awsapi.PathLabel(planID) + "/keys/" + awsapi.PathLabel(keyID)}, nil, nil)
	return mapErr(err)
}

// mapErr turns a NotFoundException into gatewaykeys.ErrNotFound, keeping
// the service's message.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if awsapi.IsCode(err, codeNotFound) {
		return errors.Join(gatewaykeys.ErrNotFound, err)
	}
	return err
}
