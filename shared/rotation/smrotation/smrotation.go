// Package smrotation implements rotation.Secrets over AWS Secrets Manager
// (aws-sdk-go-v2).
package smrotation

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/riptidecrawler/riptide/shared/rotation"
)

// API is the part of the Secrets Manager client rotation uses (the IAM
// actions the CDK stack's rotation schedule grants).
type API interface {
	DescribeSecret(ctx context.Context, in *secretsmanager.DescribeSecretInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.DescribeSecretOutput, error)
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
	PutSecretValue(ctx context.Context, in *secretsmanager.PutSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.PutSecretValueOutput, error)
	UpdateSecretVersionStage(ctx context.Context, in *secretsmanager.UpdateSecretVersionStageInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.UpdateSecretVersionStageOutput, error)
}

// Secrets is rotation.Secrets over a Secrets Manager client.
type Secrets struct{ Client API }

var _ rotation.Secrets = Secrets{}

// Describe implements rotation.Secrets.
func (s Secrets) Describe(ctx context.Context, secretID string) (rotation.Description, error) {
	out, err := s.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(secretID)})
	if err != nil {
		return rotation.Description{}, err
	}
	return rotation.Description{RotationEnabled: aws.ToBool(out.RotationEnabled), Versions: out.VersionIdsToStages}, nil
}

// Value implements rotation.Secrets.
func (s Secrets) Value(ctx context.Context, secretID, versionID, stage string) (string, error) {
	in := &secretsmanager.GetSecretValueInput{SecretId: aws.String(secretID), VersionStage: aws.String(stage)}
	if versionID != "" {
		in.VersionId = aws.String(versionID)
	}
	out, err := s.Client.GetSecretValue(ctx, in)
	if err != nil {
		// A version Secrets Manager staged for rotation has no value
		// until createSecret stores one: that is ResourceNotFound too.
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return "", rotation.ErrNotFound
		}
		return "", err
	}
	if out.SecretString != nil {
		return *out.SecretString, nil
	}
	if out.SecretBinary != nil {
		return string(out.SecretBinary), nil
	}
	return "", rotation.ErrNotFound
}

// PutPending implements rotation.Secrets. The token is the version id:
// a retried put with the same token and value is a no-op for Secrets
// Manager.
func (s Secrets) PutPending(ctx context.Context, secretID, token, value string) error {
	_, err := s.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId: aws.String(secretID), ClientRequestToken: aws.String(token),
		SecretString: aws.String(value), VersionStages: []string{rotation.StagePending},
	})
	return err
}

// MoveCurrent implements rotation.Secrets.
func (s Secrets) MoveCurrent(ctx context.Context, secretID, to, from string) error {
	_, err := s.Client.UpdateSecretVersionStage(ctx, &secretsmanager.UpdateSecretVersionStageInput{
		SecretId: aws.String(secretID), VersionStage: aws.String(rotation.StageCurrent),
		MoveToVersionId: aws.String(to), RemoveFromVersionId: aws.String(from),
	})
	return err
}
