package wire_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/config"
	"github.com/riptidecrawler/riptide/shared/core"
	"github.com/riptidecrawler/riptide/shared/keys"
	"github.com/riptidecrawler/riptide/shared/wire"
)

// TestKeyPepperFromSecretsManager: the pepper comes from a secret (moto),
// read once per process; processes with the same secret share keys, a
// process with another pepper cannot verify them, and a changed secret
// does not change a running process's pepper.
func TestKeyPepperFromSecretsManager(t *testing.T) {
	sm := secretsmanager.NewFromConfig(motoaws.Config(t, "eu-west-1"))
	ctx := context.Background()
	const pepper = "pepper-from-secrets-manager-0123456789"
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(fmt.Sprintf("riptide-pepper-%d", time.Now().UnixNano())),
		SecretString: aws.String(pepper)})
	if err != nil {
		t.Fatal(err)
	}
	redisURL, prefix := testenv.RedisURL(t), testenv.KeyPrefix(t)
	process := func(env map[string]string) *wire.Process {
		t.Helper()
		base := map[string]string{"REDIS_URL": redisURL, "RIPTIDE_KEY_PREFIX": prefix, "RIPTIDE_API_KEYS": "bootstrap-key", "RIPTIDE_LOG_LEVEL": "error"}
		for k, v := range env {
			base[k] = v
		}
		p, err := wire.New(ctx, "t", config.FromMap(base))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	bySecret := map[string]string{"RIPTIDE_KEY_PEPPER_SECRET_ARN": *created.ARN}
	a := process(bySecret)
	_, token, err := a.Keys.Create(ctx, keys.Spec{Name: "t", Scopes: []keys.Scope{keys.ScopeCrawl}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := process(bySecret).Keys.Authenticate(ctx, token); err != nil {
		t.Fatalf("another process with the same pepper secret: %v", err)
	}
	if _, err := process(map[string]string{"RIPTIDE_KEY_PEPPER": "another-pepper-0123456789"}).Keys.Authenticate(ctx, token); core.TypeOf(err) != core.ErrAuthentication {
		t.Fatalf("a process with another pepper must refuse the key: %v", err)
	}
	// Once read, the pepper stays: changing it under a running process
	// would turn every key it checks into a 401.
	if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: created.ARN, SecretString: aws.String("a-new-pepper-0123456789")}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Keys.Authenticate(ctx, token); err != nil {
		t.Fatalf("the running process's pepper changed: %v", err)
	}
	// A missing secret is a dependency error naming the variable, never
	// the pepper, and is tried again on the next call.
	missing := process(map[string]string{"RIPTIDE_KEY_PEPPER_SECRET_ARN": *created.ARN + "-missing"})
	_, err = missing.Keys.Authenticate(ctx, token)
	if core.TypeOf(err) != core.ErrDependency || !strings.Contains(fmt.Sprint(core.AsError(err).Cause), "RIPTIDE_KEY_PEPPER_SECRET_ARN") {
		t.Fatalf("missing pepper secret: %v", err)
	}
	if strings.Contains(fmt.Sprint(err), pepper) {
		t.Fatal("an error shows the pepper")
	}
	if _, err := config.Load(config.FromMap(map[string]string{"RIPTIDE_KEY_PEPPER": "x", "RIPTIDE_KEY_PEPPER_SECRET_ARN": "arn"})); err == nil {
		t.Fatal("both pepper settings must be refused")
	}
}
