package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// APIKeysBootstrapField is the field of the API keys secret that holds the
// key generated at creation. Secrets Manager can only add a generated value
// at the top level of the JSON, not inside the api_keys array, so readers
// accept every string in "api_keys" plus this field when present.
const APIKeysBootstrapField = "bootstrap_key"

// Secrets holds the application secrets that are not owned by one data store.
type Secrets struct {
	constructs.Construct
	// APIKeys is JSON: {"api_keys": ["key", ...], "bootstrap_key": "..."}.
	APIKeys awssecretsmanager.Secret
	// KeyPepper is the managed API keys' pepper, a plain generated
	// string (RIPTIDE_KEY_PEPPER_SECRET_ARN).
	KeyPepper awssecretsmanager.Secret
}

// NewSecrets makes the API keys secret with one generated key.
func NewSecrets(scope constructs.Construct, id string) *Secrets {
	c := constructs.NewConstruct(scope, jsii.String(id))
	keys := awssecretsmanager.NewSecret(c, jsii.String("APIKeys"), &awssecretsmanager.SecretProps{
		Description: jsii.String(`RipTide API keys: {"api_keys":["..."]} plus the generated "bootstrap_key"`),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(`{"api_keys":[]}`),
			GenerateStringKey:    jsii.String(APIKeysBootstrapField),
			PasswordLength:       jsii.Number(48),
			// Keys travel in headers and query strings; letters and digits
			// need no escaping anywhere.
			ExcludePunctuation: jsii.Bool(true),
		},
	})
	pepper := awssecretsmanager.NewSecret(c, jsii.String("KeyPepper"), &awssecretsmanager.SecretProps{
		Description: jsii.String("RipTide managed API key pepper (RIPTIDE_KEY_PEPPER_SECRET_ARN): mixed into every stored key hash"),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(KeyPepperLength),
			ExcludePunctuation: jsii.Bool(true),
		},
		// Losing the pepper invalidates every managed key.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	suppress(pepper, false, nagRule{
		ID: "AwsSolutions-SMG4",
		Reason: "the pepper is part of every stored managed-key hash: a new pepper would make every managed key fail. " +
			"Keys are rotated instead (POST /api/v1/admin/keys/{id}/rotate).",
	})
	return &Secrets{Construct: c, APIKeys: keys, KeyPepper: pepper}
}

// KeyPepperLength is the generated pepper's length (letters and digits:
// about 380 bits).
const KeyPepperLength = 64

// Rotation of the API keys secret's bootstrap key (docs/security.md):
// RotationFunction runs the four steps (shared/wire/adminwire), every
// APIKeysRotationDays. The servers accept the previous key for
// RIPTIDE_API_KEYS_OVERLAP (24 h) after each rotation.
const (
	RotationFunction    = "admin"
	APIKeysRotationDays = 30
)

// RotateAPIKeys schedules the rotation of the API keys secret by fn (the
// rotation function's live alias). The schedule grants fn the secret's
// rotation actions and lets Secrets Manager invoke it. A nil fn (a
// function table without the admin function) leaves the secret as it is.
func (s *Secrets) RotateAPIKeys(fn awslambda.IFunction) awssecretsmanager.RotationSchedule {
	if fn == nil {
		suppress(s.APIKeys, false, nagRule{
			ID:     "AwsSolutions-SMG4",
			Reason: "this stack has no " + RotationFunction + " function, which rotates the API keys secret; operators replace the key by hand (docs/deploy.md).",
		})
		return nil
	}
	return s.APIKeys.AddRotationSchedule(jsii.String("Rotation"), &awssecretsmanager.RotationScheduleOptions{
		RotationLambda:     fn,
		AutomaticallyAfter: awscdk.Duration_Days(jsii.Number(APIKeysRotationDays)),
	})
}
