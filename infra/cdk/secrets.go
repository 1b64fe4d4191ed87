package main

import (
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
	suppress(keys, false, nagRule{
		ID: "AwsSolutions-SMG4",
		Reason: "API keys are issued to clients and replaced by operators (docs/deploy.md), not rotated on a timer: " +
			"automatic rotation would lock every client out. A rotation Lambda is planned with the key store.",
	})
	return &Secrets{Construct: c, APIKeys: keys}
}
