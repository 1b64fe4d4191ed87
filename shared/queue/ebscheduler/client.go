package ebscheduler

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

// Service is Amazon EventBridge Scheduler, a REST-JSON API: a schedule is
// the resource /schedules/{Name} (POST creates, PUT replaces, DELETE
// deletes), its group the groupName query parameter or body member. Its
// SDK id is "Scheduler" (AWS_ENDPOINT_URL_SCHEDULER).
var Service = awsapi.Service{ID: "Scheduler", EndpointPrefix: "scheduler", SigningName: "scheduler"}

// Error codes the trigger tells apart (awsapi.IsCode).
const (
	// CodeConflict: CreateSchedule of a name that exists (409).
	CodeConflict = "ConflictException"
	// CodeNotFound: no schedule (or group) of that name (404).
	CodeNotFound = "ResourceNotFoundException"
)

// APIClient makes the Scheduler calls the trigger needs through awsapi,
// without the SDK's Scheduler client (its endpoint table costs every
// function linking the jobs code package-init time; see shared/awsapi).
type APIClient struct {
	api *awsapi.Client
}

// NewClient returns a Scheduler client for cfg (region, credentials,
// endpoint settings, the SDK's standard retries unless opts say otherwise).
func NewClient(ctx context.Context, cfg aws.Config, opts awsapi.Options) (*APIClient, error) {
	api, err := awsapi.New(ctx, cfg, Service, opts)
	if err != nil {
		return nil, err
	}
	return &APIClient{api: api}, nil
}

// Target is where a schedule sends its firings.
type Target struct {
	ARN     string `json:"Arn"`
	RoleARN string `json:"RoleArn"`
	// Input is the message body (for an SQS target).
	Input string `json:"Input,omitempty"`
}

// FlexibleTimeWindow lets Scheduler fire within a window ("OFF": on time).
type FlexibleTimeWindow struct {
	Mode                   string `json:"Mode"`
	MaximumWindowInMinutes int32  `json:"MaximumWindowInMinutes,omitempty"`
}

// The schedule states and flexible time window modes of the API.
const (
	StateEnabled  = "ENABLED"
	StateDisabled = "DISABLED"
	WindowOff     = "OFF"
)

// ScheduleInput is the request of CreateSchedule and UpdateSchedule
// (UpdateSchedule replaces every member: one left out is reset).
type ScheduleInput struct {
	// Name is the schedule's name, in the path (not in the body).
	Name string `json:"-"`
	// GroupName is the schedule group; empty: "default".
	GroupName                  string             `json:"GroupName,omitempty"`
	ScheduleExpression         string             `json:"ScheduleExpression"`
	ScheduleExpressionTimezone string             `json:"ScheduleExpressionTimezone,omitempty"`
	State                      string             `json:"State,omitempty"`
	Description                string             `json:"Description,omitempty"`
	FlexibleTimeWindow         FlexibleTimeWindow `json:"FlexibleTimeWindow"`
	Target                     Target             `json:"Target"`
	// ClientToken makes a retried call idempotent; empty: one is made up
	// per call and kept across its retries, as the SDK's client does.
	ClientToken string `json:"ClientToken,omitempty"`
}

// ScheduleOutput is the answer of CreateSchedule and UpdateSchedule.
type ScheduleOutput struct {
	ScheduleARN string `json:"ScheduleArn"`
}

// CreateSchedule creates a schedule; an existing name is a
// CodeConflict error.
func (c *APIClient) CreateSchedule(ctx context.Context, in *ScheduleInput) (*ScheduleOutput, error) {
	return c.putSchedule(ctx, http.MethodPost, in)
}

// UpdateSchedule replaces a schedule; a missing one is a CodeNotFound
// error.
func (c *APIClient) UpdateSchedule(ctx context.Context, in *ScheduleInput) (*ScheduleOutput, error) {
	return c.putSchedule(ctx, http.MethodPut, in)
}

// errNoName is refused before sending, as by the SDK: the path would name
// the collection, not a schedule.
var errNoName = errors.New("EventBridge Scheduler: a schedule name is required")

func (c *APIClient) putSchedule(ctx context.Context, method string, in *ScheduleInput) (*ScheduleOutput, error) {
	if in.Name == "" {
		return nil, errNoName
	}
	body := *in
	if body.ClientToken == "" {
		body.ClientToken = rand.Text()
	}
	var out ScheduleOutput
	if _, err := c.api.DoJSON(ctx, awsapi.Request{Method: method, Path: schedulePath(in.Name)}, &body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteScheduleInput is DeleteSchedule's request.
type DeleteScheduleInput struct {
	Name      string
	GroupName string
	// ClientToken: as in ScheduleInput.
	ClientToken string
}

// DeleteSchedule deletes a schedule; a missing one is a CodeNotFound
// error.
func (c *APIClient) DeleteSchedule(ctx context.Context, in *DeleteScheduleInput) error {
	if in.Name == "" {
		return errNoName
	}
	q := url.Values{"clientToken": {in.ClientToken}}
	if in.ClientToken == "" {
		q.Set("clientToken", rand.Text())
	}
	if in.GroupName != "" {
		q.Set("groupName", in.GroupName)
	}
	_, err := c.api.DoJSON(ctx, awsapi.Request{Method: http.MethodDelete, Path: schedulePath(in.Name), Query: q}, nil, nil)
	return err
}

// schedulePath is /schedules/{Name}, the name escaped as the SDK escapes
// a path label.
func schedulePath(name string) string { return "/schedules/" + awsapi.PathLabel(name) }
