package secrets_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/riptidecrawler/riptide/internal/motoaws"
	"github.com/riptidecrawler/riptide/shared/secrets"
)

func TestParseKeys(t *testing.T) {
	cases := map[string][]string{
		`{"api_keys":["a","b"]}`:                   {"a", "b"},
		`{"api_keys":[],"bootstrap_key":"gen"}`:    {"gen"},
		`{"api_keys":["a"],"bootstrap_key":"gen"}`: {"a", "gen"},
		`["a"," b "]`: {"a", "b"},
		`a, b,,c`:     {"a", "b", "c"},
		``:            nil,
	}
	for in, want := range cases {
		got, err := secrets.ParseKeys(in)
		if err != nil || len(got) != len(want) {
			t.Errorf("ParseKeys(%q) = %v, %v", in, got, err)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("ParseKeys(%q) = %v", in, got)
			}
		}
	}
	if _, err := secrets.ParseKeys(`{"api_keys": "notalist"}`); err == nil {
		t.Error("malformed JSON secret must be an error")
	}
}

func TestParsePassword(t *testing.T) {
	for in, want := range map[string]string{`{"password":"p1"}`: "p1", `{"token":"t"}`: "t", "raw": "raw"} {
		if got, err := secrets.ParsePassword(in); err != nil || got != want {
			t.Errorf("ParsePassword(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := secrets.ParsePassword(`{"user":"x"}`); err == nil {
		t.Error("a JSON secret without a password field must be an error")
	}
}

type countingSource struct {
	calls int
	value string
	err   error
}

func (c *countingSource) Get(context.Context, string) (string, error) {
	c.calls++
	return c.value, c.err
}

func TestCachedHonoursTTLAndServesStaleOnError(t *testing.T) {
	now := time.Unix(1000, 0)
	src := &countingSource{value: "v1"}
	c := &secrets.Cached{Source: src, TTL: time.Minute, Now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		if v, _ := c.Get(context.Background(), "s"); v != "v1" {
			t.Fatalf("got %q", v)
		}
	}
	if src.calls != 1 {
		t.Fatalf("calls within TTL = %d, want 1", src.calls)
	}
	now = now.Add(2 * time.Minute)
	src.value = "v2"
	if v, _ := c.Get(context.Background(), "s"); v != "v2" || src.calls != 2 {
		t.Fatalf("after TTL: %q, calls %d", v, src.calls)
	}
	now = now.Add(2 * time.Minute)
	src.err = errors.New("throttled")
	if v, err := c.Get(context.Background(), "s"); err != nil || v != "v2" {
		t.Fatalf("backend error should serve the last value: %q %v", v, err)
	}
	fresh := &secrets.Cached{Source: src, TTL: time.Minute}
	if _, err := fresh.Get(context.Background(), "s"); err == nil {
		t.Fatal("no cached value and a failing backend must be an error")
	}
}

func TestEnv(t *testing.T) {
	e := secrets.Env{Lookup: func(k string) (string, bool) { return map[string]string{"A": "1"}[k], k == "A" }}
	if v, err := e.Get(context.Background(), "A"); err != nil || v != "1" {
		t.Fatalf("%q %v", v, err)
	}
	if _, err := e.Get(context.Background(), "B"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing variable: %v", err)
	}
}

// TestSecretsManagerAgainstMoto talks the real Secrets Manager wire protocol
// to moto_server on loopback.
func TestSecretsManagerAgainstMoto(t *testing.T) {
	cfg := motoaws.Config(t, "eu-west-1")
	client := secretsmanager.NewFromConfig(cfg)
	ctx := context.Background()
	name := "riptide-test-" + time.Now().Format("150405.000000")
	out, err := client.CreateSecret(ctx, &secretsmanager.CreateSecretInput{Name: aws.String(name), SecretString: aws.String(`{"api_keys":["k1","k2"]}`)})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := secrets.NewSecretsManager(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{name, *out.ARN} {
		v, err := sm.Get(ctx, id)
		if err != nil {
			t.Fatalf("Get(%s): %v", id, err)
		}
		keys, err := secrets.ParseKeys(v)
		if err != nil || len(keys) != 2 || keys[1] != "k2" {
			t.Fatalf("keys %v %v", keys, err)
		}
	}
	if _, err := sm.Get(ctx, "does-not-exist"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("missing secret: %v", err)
	}
	// A rotation (new AWSCURRENT version) is seen after the cache TTL.
	if _, err := client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretString: aws.String(`{"api_keys":["k3"]}`)}); err != nil {
		t.Fatal(err)
	}
	v, _ := sm.Get(ctx, name)
	if keys, _ := secrets.ParseKeys(v); len(keys) != 1 || keys[0] != "k3" {
		t.Fatalf("after rotation: %v", keys)
	}
	// The versions keep their labels and creation dates.
	prev, err := sm.GetStage(ctx, name, secrets.StagePrevious)
	if err != nil || prev.Value != `{"api_keys":["k1","k2"]}` || prev.Created.IsZero() {
		t.Fatalf("AWSPREVIOUS: %+v %v", prev, err)
	}
	cur, err := sm.GetStage(ctx, name, secrets.StageCurrent)
	if err != nil || cur.Value != `{"api_keys":["k3"]}` || time.Since(cur.Created) > time.Hour {
		t.Fatalf("AWSCURRENT: %+v %v", cur, err)
	}
	if _, err := sm.GetStage(ctx, name, "AWSPENDING"); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("a label on no version: %v", err)
	}
}

type stagedSource struct {
	countingSource
	stages map[string]secrets.Version
}

func (s *stagedSource) GetStage(_ context.Context, _, stage string) (secrets.Version, error) {
	s.calls++
	if s.err != nil {
		return secrets.Version{}, s.err
	}
	v, ok := s.stages[stage]
	if !ok {
		return secrets.Version{}, secrets.ErrNotFound
	}
	return v, nil
}

// TestCachedStagesCacheAbsence: a secret never rotated has no AWSPREVIOUS;
// the cache remembers that, or every request would ask again.
func TestCachedStagesCacheAbsence(t *testing.T) {
	now := time.Unix(1000, 0)
	src := &stagedSource{stages: map[string]secrets.Version{secrets.StageCurrent: {Value: "v1", Created: now}}}
	c := &secrets.Cached{Source: src, TTL: time.Minute, Now: func() time.Time { return now }}
	ctx := context.Background()
	for range 3 {
		if _, err := c.GetStage(ctx, "s", secrets.StagePrevious); !errors.Is(err, secrets.ErrNotFound) {
			t.Fatalf("previous: %v", err)
		}
		if v, err := c.GetStage(ctx, "s", secrets.StageCurrent); err != nil || v.Value != "v1" || !v.Created.Equal(now) {
			t.Fatalf("current: %+v %v", v, err)
		}
	}
	if src.calls != 2 {
		t.Fatalf("calls within the TTL = %d, want 2 (one per label)", src.calls)
	}
	now = now.Add(2 * time.Minute)
	src.err = errors.New("throttled")
	if v, err := c.GetStage(ctx, "s", secrets.StageCurrent); err != nil || v.Value != "v1" {
		t.Fatalf("a backend error serves the last good version: %+v %v", v, err)
	}
	// A source without labels has a current value only.
	plain := &secrets.Cached{Source: &countingSource{value: "p"}, TTL: time.Minute}
	if v, err := plain.GetStage(ctx, "s", secrets.StageCurrent); err != nil || v.Value != "p" {
		t.Fatalf("plain current: %+v %v", v, err)
	}
	if _, err := plain.GetStage(ctx, "s", secrets.StagePrevious); !errors.Is(err, secrets.ErrNotFound) {
		t.Fatalf("plain previous: %v", err)
	}
}
