package adminwire

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/rotation"
	"github.com/riptidecrawler/riptide/shared/rotation/smrotation"
	"github.com/riptidecrawler/riptide/shared/secrets"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// The admin function is the rotation function of the bootstrap API keys
// secret (RIPTIDE_API_KEYS_SECRET_ARN): Secrets Manager invokes it with
// {"SecretId","ClientRequestToken","Step"}. It already links the Secrets
// Manager client and reads that secret, so the steps add no package init
// to its cold start and no function to the bundle; the Secrets Manager
// client is built on the first rotation event, never at cold start.

// rotationTask is the function's task entry point.
func rotationTask(p *wire.Process) lambdaio.TaskFunc {
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		if !rotation.IsEvent(payload) {
			return nil, fmt.Errorf("%w: the admin function takes only Secrets Manager rotation events", lambdaio.ErrUnsupportedEvent)
		}
		r, err := wire.Shared(p, "rotation.apikeys", func() (*rotation.Rotator, error) {
			cfg, err := p.AWS(ctx)
			if err != nil {
				return nil, err
			}
			return Rotator(p, smrotation.Secrets{Client: secretsmanager.NewFromConfig(cfg)}), nil
		})
		if err != nil {
			return nil, err
		}
		return r.Invoke(ctx, payload)
	}
}

// Rotator rotates the API keys secret of p through store. Only that
// secret: another SecretId is refused.
func Rotator(p *wire.Process, store rotation.Secrets) *rotation.Rotator {
	arn := p.Config.APIKeysSecret
	return &rotation.Rotator{
		Secrets: store,
		Format:  rotation.BootstrapKey{Accepts: acceptedByServer},
		Allowed: func(id string) bool { return arn != "" && id == arn },
		Logger:  p.Logger.With("secret", "api_keys"),
	}
}

// acceptedByServer checks key against value with the server's own parser
// and authenticator.
func acceptedByServer(ctx context.Context, value, key string) error {
	keys, err := secrets.ParseKeys(value)
	if err != nil {
		return err
	}
	_, err = httpx.NewStaticKeys(keys).Authenticate(ctx, key)
	return err
}
