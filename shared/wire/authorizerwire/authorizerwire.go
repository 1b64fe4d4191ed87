// Package authorizerwire wires the authorizer function: API Gateway's
// Lambda authorizer that meters each REST request on its caller's API
// Gateway key, so the stack's usage plans throttle per caller at the
// gateway (shared/gatewaykeys).
package authorizerwire

import (
	"context"
	"errors"
	"net/http"

	"github.com/riptidecrawler/riptide/shared/awsapi"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
	"github.com/riptidecrawler/riptide/shared/gatewaykeys/apigw"
	"github.com/riptidecrawler/riptide/shared/httpx"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/store"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// Build is the authorizer function's Builder.
func Build(ctx context.Context, p *wire.Process) (wire.Group, error) {
	if p.Config.GatewayStack == "" {
		return wire.Group{}, errors.New("the authorizer needs RIPTIDE_GATEWAY_STACK (the stack whose usage plans it meters on; CDK sets it)")
	}
	cfg, err := p.AWS(ctx)
	if err != nil {
		return wire.Group{}, err
	}
	gw, err := apigw.New(ctx, cfg, awsapi.Options{})
	if err != nil {
		return wire.Group{}, err
	}
	a := New(p, gw)
	return wire.Group{Events: lambdaio.Handler{Authorizer: func(ctx context.Context, h http.Header) (string, string) {
		return a.Decide(ctx, httpx.CredentialFromHeader(h))
	}}}, nil
}

// New builds the authorizer of p on gw: the process's authenticator (the
// same keys, managed keys and OIDC settings as every other function) and
// the key memo in its Redis.
func New(p *wire.Process, gw gatewaykeys.Gateway) *gatewaykeys.Authorizer {
	m := &gatewaykeys.Meter{Gateway: gw, Memo: store.NewGatewayKeyMemo(p.Store), Stack: p.Config.GatewayStack,
		Plans: p.Config.GatewayPlans, Logger: p.Logger}
	a := &gatewaykeys.Authorizer{Meter: m, Logger: p.Logger}
	if !p.Auth.Disabled {
		auth := p.Auth.Authenticator
		a.Authenticate = func(ctx context.Context, credential string) (string, string, error) {
			if auth == nil {
				return "", "", errors.New("no API keys configured")
			}
			pr, err := auth.Authenticate(ctx, credential)
			return pr.ID, pr.Plan, err
		}
	}
	return a
}
