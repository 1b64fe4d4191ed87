package adminwire_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/internal/testenv"
	"github.com/riptidecrawler/riptide/shared/lambdaio"
	"github.com/riptidecrawler/riptide/shared/rotation"
	"github.com/riptidecrawler/riptide/shared/wire"
	"github.com/riptidecrawler/riptide/shared/wire/adminwire"
)

// motoSecrets points the SDK's default configuration (what wire.Process
// loads) and a client of the test's own at a moto_server.
func motoSecrets(t *testing.T) *secretsmanager.Client {
	t.Helper()
	return secretsmanager.NewFromConfig(motoaws.Config(t, "eu-west-1"))
}

// adminFunction wires the admin function as Lambda does, with its
// environment from env.
func adminFunction(t *testing.T, env map[string]string) *lambdaio.Handler {
	t.Helper()
	base := map[string]string{"REDIS_URL": testenv.RedisURL(t), "RIPTIDE_KEY_PREFIX": testenv.KeyPrefix(t),
		"RIPTIDE_LOG_LEVEL": "error", "RIPTIDE_RATE_LIMIT": "0", "RIPTIDE_KEY_PEPPER": "pepper"}
	for k, v := range env {
		base[k] = v
	}
	h, p, err := wire.Function(context.Background(), "admin", func(k string) (string, bool) { v, ok := base[k]; return v, ok }, adminwire.Build)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return h
}

func stagesOf(t *testing.T, sm *secretsmanager.Client, arn string) map[string][]string {
	t.Helper()
	out, err := sm.DescribeSecret(context.Background(), &secretsmanager.DescribeSecretInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	return out.VersionIdsToStages
}

func valueOf(t *testing.T, sm *secretsmanager.Client, arn, stage string) map[string]any {
	t.Helper()
	out, err := sm.GetSecretValue(context.Background(), &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn), VersionStage: aws.String(stage)})
	if err != nil {
		t.Fatalf("%s: %v", stage, err)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(*out.SecretString), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// enableRotation turns rotation on. moto, given no function to invoke,
// makes a copy of the value current (RotateImmediately false: with true it
// makes a version without a value current, which AWS never does).
func enableRotation(t *testing.T, sm *secretsmanager.Client, arn string) {
	t.Helper()
	if _, err := sm.RotateSecret(context.Background(), &secretsmanager.RotateSecretInput{SecretId: aws.String(arn), RotateImmediately: aws.Bool(false),
		RotationRules: &types.RotationRulesType{AutomaticallyAfterDays: aws.Int64(30)}}); err != nil {
		t.Fatal(err)
	}
}

func rotationEvent(arn, token string, step rotation.Step) json.RawMessage {
	b, _ := json.Marshal(rotation.Event{SecretID: arn, Token: token, Step: step})
	return b
}

// TestRotationOfTheBootstrapKeyAgainstMoto runs the four steps through the
// admin function's entry point against Secrets Manager's real protocol
// (moto_server), retries each, and checks versions and labels; then a
// server process accepts the old and the new key during the overlap and
// refuses the old one after it.
func TestRotationOfTheBootstrapKeyAgainstMoto(t *testing.T) {
	sm := motoSecrets(t)
	ctx := context.Background()
	const oldKey = "old-bootstrap-key-0123456789abcdefghijklmnopqrstuv"
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(fmt.Sprintf("riptide-rotation-%d", time.Now().UnixNano())),
		SecretString: aws.String(`{"api_keys":["operator-key-0123456789"],"bootstrap_key":"` + oldKey + `"}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := *created.ARN
	const overlap = 5 * time.Second
	fn := adminFunction(t, map[string]string{"RIPTIDE_API_KEYS_SECRET_ARN": arn, "RIPTIDE_API_KEYS_OVERLAP": overlap.String()})
	token := "7e4b8f52-0000-4000-8000-00000000beef"

	// Rotation not enabled yet: the steps refuse, as AWS's templates do.
	if _, err := fn.Invoke(ctx, rotationEvent(arn, token, rotation.StepCreate)); err == nil {
		t.Fatal("createSecret on a secret without rotation enabled must fail")
	}
	enableRotation(t, sm, arn)
	var oldVersion string
	for id, st := range stagesOf(t, sm, arn) {
		if slices.Contains(st, rotation.StageCurrent) {
			oldVersion = id
		}
	}
	before := len(stagesOf(t, sm, arn))

	// Another secret, an unknown step, a non-rotation event: refused.
	if _, err := fn.Invoke(ctx, rotationEvent(arn+"-other", token, rotation.StepCreate)); err == nil {
		t.Error("a secret other than RIPTIDE_API_KEYS_SECRET_ARN must be refused")
	}
	if _, err := fn.Invoke(ctx, rotationEvent(arn, token, "dropSecret")); err == nil {
		t.Error("an unknown step must be refused")
	}
	if _, err := fn.Invoke(ctx, json.RawMessage(`{"riptide_task":"backup"}`)); !errors.Is(err, lambdaio.ErrUnsupportedEvent) {
		t.Errorf("a task event that is not a rotation: %v", err)
	}
	// testSecret before createSecret: no pending version to test.
	if _, err := fn.Invoke(ctx, rotationEvent(arn, token, rotation.StepTest)); err == nil {
		t.Error("testSecret without a pending version must fail")
	}

	// createSecret, retried: one pending version, the same value.
	for i := range 2 {
		if _, err := fn.Invoke(ctx, rotationEvent(arn, token, rotation.StepCreate)); err != nil {
			t.Fatalf("createSecret (attempt %d): %v", i+1, err)
		}
	}
	stages := stagesOf(t, sm, arn)
	if len(stages) != before+1 || !slices.Contains(stages[token], rotation.StagePending) {
		t.Fatalf("after createSecret twice: %v (want one new version %s labelled AWSPENDING)", stages, token)
	}
	pending := valueOf(t, sm, arn, rotation.StagePending)
	newKey, _ := pending["bootstrap_key"].(string)
	if len(newKey) < 40 || newKey == oldKey {
		t.Fatalf("pending bootstrap_key %q", newKey)
	}
	if keys, _ := pending["api_keys"].([]any); len(keys) != 1 || keys[0] != "operator-key-0123456789" {
		t.Fatalf("the operator's api_keys must survive the rotation: %v", pending["api_keys"])
	}
	for _, step := range []rotation.Step{rotation.StepSet, rotation.StepSet, rotation.StepTest, rotation.StepTest} {
		if _, err := fn.Invoke(ctx, rotationEvent(arn, token, step)); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	if cur := valueOf(t, sm, arn, rotation.StageCurrent); cur["bootstrap_key"] != oldKey {
		t.Fatal("nothing may change the current version before finishSecret")
	}
	for i := range 2 {
		if _, err := fn.Invoke(ctx, rotationEvent(arn, token, rotation.StepFinish)); err != nil {
			t.Fatalf("finishSecret (attempt %d): %v", i+1, err)
		}
	}
	stages = stagesOf(t, sm, arn)
	if !slices.Contains(stages[token], rotation.StageCurrent) || !slices.Contains(stages[oldVersion], rotation.StagePrevious) {
		t.Fatalf("after finishSecret: %v (want %s AWSCURRENT, %s AWSPREVIOUS)", stages, token, oldVersion)
	}
	if len(stages) != before+1 {
		t.Fatalf("retried steps made versions: %v", stages)
	}
	if cur := valueOf(t, sm, arn, rotation.StageCurrent); cur["bootstrap_key"] != newKey {
		t.Fatal("the new key is not current")
	}
	// A late retry of any step of the finished rotation does nothing.
	if _, err := fn.Invoke(ctx, rotationEvent(arn, token, rotation.StepCreate)); err != nil {
		t.Fatalf("late createSecret: %v", err)
	}

	// A server process (cold, as a Lambda instance after the rotation).
	srv := httptest.NewServer(adminFunction(t, map[string]string{"RIPTIDE_API_KEYS_SECRET_ARN": arn,
		"RIPTIDE_API_KEYS_OVERLAP": overlap.String()}).HTTP)
	t.Cleanup(srv.Close)
	status := func(key string) int {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/admin/keys", nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	current, err := sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	end := current.CreatedDate.Add(overlap)
	if time.Until(end) < time.Second {
		t.Skipf("the rotation took longer than the %s overlap of this test (loaded machine)", overlap)
	}
	if s := status(oldKey); s != 200 {
		t.Errorf("old key during the overlap: %d", s)
	}
	if s := status(newKey); s != 200 {
		t.Errorf("new key during the overlap: %d", s)
	}
	if s := status("operator-key-0123456789"); s != 200 {
		t.Errorf("operator key: %d", s)
	}
	time.Sleep(time.Until(end) + 100*time.Millisecond)
	// The old key must be refused once the overlap is over. On a loaded
	// machine this was seen to take a moment longer (1 failure in about
	// 10 runs with CI beside it; cause not found: both sides read the same
	// whole-second CreatedDate from moto), so it may take up to 3 s more;
	// the overlap is 24 h in production.
	refusedAt := time.Now()
	for s := status(oldKey); s != 401; s = status(oldKey) {
		if time.Since(refusedAt) > 3*time.Second {
			t.Fatalf("old key after the overlap: %d, want 401", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if late := time.Since(refusedAt); late > 200*time.Millisecond {
		t.Logf("the old key was refused %s after the overlap ended", late)
	}
	if s := status(newKey); s != 200 {
		t.Errorf("new key after the overlap: %d", s)
	}
}

// TestRotationTestStepRefusesABadPendingValue: a pending version whose
// key the server would not accept never becomes current.
func TestRotationTestStepRefusesABadPendingValue(t *testing.T) {
	sm := motoSecrets(t)
	ctx := context.Background()
	created, err := sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
		Name:         aws.String(fmt.Sprintf("riptide-rotation-bad-%d", time.Now().UnixNano())),
		SecretString: aws.String(`{"api_keys":[],"bootstrap_key":"same-key-0123456789abcdefghijklmnopqrstuvwxyz"}`)})
	if err != nil {
		t.Fatal(err)
	}
	arn := *created.ARN
	enableRotation(t, sm, arn)
	fn := adminFunction(t, map[string]string{"RIPTIDE_API_KEYS_SECRET_ARN": arn})
	for i, bad := range []string{
		`{"api_keys":[],"bootstrap_key":"same-key-0123456789abcdefghijklmnopqrstuvwxyz"}`, // unchanged
		`{"api_keys":[],"bootstrap_key":"short"}`,
		`["a","list"]`,
		`{"api_keys":"not a list","bootstrap_key":"long-enough-key-0123456789abcdefghijklmnop"}`, // the server cannot parse it
	} {
		token := fmt.Sprintf("7e4b8f52-0000-4000-8000-%012d", i)
		if _, err := sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(arn), ClientRequestToken: aws.String(token),
			SecretString: aws.String(bad), VersionStages: []string{rotation.StagePending}}); err != nil {
			t.Fatal(err)
		}
		if _, err := fn.Invoke(ctx, rotationEvent(arn, token, rotation.StepTest)); err == nil {
			t.Errorf("testSecret accepted %s", bad)
		}
	}
}
