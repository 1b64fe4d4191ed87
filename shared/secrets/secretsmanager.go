package secrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// SecretsManagerAPI is the part of the Secrets Manager client we use.
type SecretsManagerAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// SecretsManager reads secrets by name or ARN from AWS Secrets Manager
// (the AWSCURRENT version).
type SecretsManager struct {
	Client SecretsManagerAPI
}

// Get implements Source.
func (s SecretsManager) Get(ctx context.Context, name string) (string, error) {
	v, err := s.GetStage(ctx, name, StageCurrent)
	return v.Value, err
}

// GetStage implements Staged: the version labelled stage, with its
// creation date.
func (s SecretsManager) GetStage(ctx context.Context, name, stage string) (Version, error) {
	out, err := s.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name), VersionStage: aws.String(stage)})
	if err != nil {
		var nf *types.ResourceNotFoundException
		if errors.As(err, &nf) {
			return Version{}, fmt.Errorf("%w: %s (%s)", ErrNotFound, name, stage)
		}
		return Version{}, fmt.Errorf("read secret %s: %w", name, err)
	}
	v := Version{Created: aws.ToTime(out.CreatedDate)}
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
