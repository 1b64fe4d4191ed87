package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/riptidecrawler/riptide/shared/awsapi"
)

// SecretsManagerService names AWS Secrets Manager for awsapi.
var SecretsManagerService = awsapi.Service{ID: "Secrets Manager", EndpointPrefix: "secretsmanager", SigningName: "secretsmanager"}

// SecretsManager reads secrets by name or ARN from AWS Secrets Manager
// (the AWSCURRENT version, or another stage).
//
// It makes its one call, GetSecretValue (JSON 1.1), through awsapi rather
// than the SDK's secretsmanager client: every function reads its keys from
// Secrets Manager, and the client's generated schema and endpoint tables
// cost ~1,500 allocations and 1-2 ms of each cold start at package init.
// Key rotation (the admin function) still uses the SDK client for its four
// operations (shared/rotation/smrotation).
type SecretsManager struct {
	API *awsapi.Client
}

// NewSecretsManager returns the reader for cfg (region, credentials,
// AWS_ENDPOINT_URL_SECRETS_MANAGER or AWS_ENDPOINT_URL, retries as the
// SDK's client would).
func NewSecretsManager(ctx context.Context, cfg aws.Config) (SecretsManager, error) {
	api, err := awsapi.New(ctx, cfg, SecretsManagerService, awsapi.Options{})
	if err != nil {
		return SecretsManager{}, fmt.Errorf("secrets manager: %w", err)
	}
	return SecretsManager{API: api}, nil
}

// Get implements Source.
func (s SecretsManager) Get(ctx context.Context, name string) (string, error) {
	v, err := s.GetStage(ctx, name, StageCurrent)
	return v.Value, err
}

// getSecretValueOutput is the part of GetSecretValue's answer used.
type getSecretValueOutput struct {
	SecretString *string  `json:"SecretString"`
	SecretBinary []byte   `json:"SecretBinary"` // base64 in JSON, as encoding/json reads []byte
	CreatedDate  *float64 `json:"CreatedDate"`  // epoch seconds
}

// GetStage implements Staged: the version labelled stage, with its
// creation date.
func (s SecretsManager) GetStage(ctx context.Context, name, stage string) (Version, error) {
	body, _ := json.Marshal(map[string]string{"SecretId": name, "VersionStage": stage})
	resp, err := s.API.Do(ctx, awsapi.Request{Method: http.MethodPost, Path: "/", Body: body, Header: http.Header{
		"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"secretsmanager.GetSecretValue"}}})
	if err != nil {
		var ae *awsapi.Error
		if errors.As(err, &ae) && ae.Code == "ResourceNotFoundException" {
			return Version{}, fmt.Errorf("%w: %s (%s)", ErrNotFound, name, stage)
		}
		return Version{}, fmt.Errorf("read secret %s: %w", name, err)
	}
	var out getSecretValueOutput
	if err := json.Unmarshal(resp.Body, &out); err != nil {
		return Version{}, fmt.Errorf("read secret %s: answer is not GetSecretValue's JSON: %w", name, err)
	}
	var v Version
	if out.CreatedDate != nil {
		sec, frac := math.Modf(*out.CreatedDate)
		v.Created = time.Unix(int64(sec), int64(frac*1e9)).UTC()
	}
	switch {
	case out.SecretString != nil:
		v.Value = *out.SecretString
	case out.SecretBinary != nil:
		v.Value = string(out.SecretBinary)
	default:
		return Version{}, fmt.Errorf("secret %s has no value", name)
	}
	return v, nil
}
