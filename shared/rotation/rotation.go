// Package rotation rotates a secret with Secrets Manager's four-step
// rotation protocol (createSecret, setSecret, testSecret, finishSecret),
// over a small port to the secret store and a Format that makes and checks
// the new value. It is a pure engine: the Secrets Manager adapter is
// shared/rotation/smrotation, the wiring is the admin function's task
// entry point (shared/wire/adminwire).
//
// Every step is idempotent: Secrets Manager retries a failed invocation
// with the same event, so a step that already ran does nothing again.
package rotation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
)

// Staging labels of Secrets Manager.
const (
	StageCurrent  = "AWSCURRENT"
	StagePending  = "AWSPENDING"
	StagePrevious = "AWSPREVIOUS"
)

// Step is one step of the protocol.
type Step string

// The four steps, in the order Secrets Manager invokes them.
const (
	StepCreate Step = "createSecret"
	StepSet    Step = "setSecret"
	StepTest   Step = "testSecret"
	StepFinish Step = "finishSecret"
)

// Event is what Secrets Manager sends the rotation function. SecretId is
// the secret's ARN; ClientRequestToken is the id of the version being
// made (the same for the four steps of one rotation).
type Event struct {
	SecretID string `json:"SecretId"`
	Token    string `json:"ClientRequestToken"`
	Step     Step   `json:"Step"`
}

// IsEvent reports whether payload looks like a rotation event (the
// function's task entry point sees other JSON too).
func IsEvent(payload []byte) bool {
	var ev Event
	return json.Unmarshal(payload, &ev) == nil && ev.Step != "" && ev.SecretID != "" && ev.Token != ""
}

// ErrNotFound means the version asked for has no value (or does not exist).
var ErrNotFound = errors.New("rotation: secret version not found")

// Description is what the rotation needs to know of a secret.
type Description struct {
	RotationEnabled bool
	// Versions maps each version id to its staging labels.
	Versions map[string][]string
}

// Secrets is the port to the secret store (Secrets Manager).
type Secrets interface {
	Describe(ctx context.Context, secretID string) (Description, error)
	// Value returns the value of the version with the id (any id when
	// empty) carrying stage; ErrNotFound when there is none or it has no
	// value yet.
	Value(ctx context.Context, secretID, versionID, stage string) (string, error)
	// PutPending stores value as the version token, labelled AWSPENDING.
	PutPending(ctx context.Context, secretID, token, value string) error
	// MoveCurrent moves AWSCURRENT from version from to version to;
	// Secrets Manager then labels from AWSPREVIOUS.
	MoveCurrent(ctx context.Context, secretID, to, from string) error
}

// Format makes and checks values of one kind of secret.
type Format interface {
	// Next returns the value that replaces current.
	Next(current string) (string, error)
	// Check proves a pending value usable before it becomes current.
	Check(ctx context.Context, pending, current string) error
}

// Rotator runs the steps for one kind of secret.
type Rotator struct {
	Secrets Secrets
	Format  Format
	// Allowed says whether this function may rotate the secret (it is
	// granted one secret; another id is a misconfiguration, refused).
	Allowed func(secretID string) bool
	Logger  *slog.Logger
}

// Invoke is a task entry point: it decodes a rotation event and runs it.
func (r *Rotator) Invoke(ctx context.Context, payload json.RawMessage) (any, error) {
	var ev Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("rotation event: %w", err)
	}
	return nil, r.Handle(ctx, ev)
}

// Handle runs one step of a rotation. The checks before the step are
// those of AWS's rotation templates, except that createSecret accepts a
// token Secrets Manager has not staged yet (it creates that version).
func (r *Rotator) Handle(ctx context.Context, ev Event) error {
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With(slog.String("step", string(ev.Step)), slog.String("version", ev.Token))
	if ev.SecretID == "" || ev.Token == "" {
		return errors.New("rotation event without SecretId or ClientRequestToken")
	}
	if r.Allowed != nil && !r.Allowed(ev.SecretID) {
		return fmt.Errorf("this function does not rotate secret %s", ev.SecretID)
	}
	switch ev.Step {
	case StepCreate, StepSet, StepTest, StepFinish:
	default:
		return fmt.Errorf("unknown rotation step %q", ev.Step)
	}
	desc, err := r.Secrets.Describe(ctx, ev.SecretID)
	if err != nil {
		return fmt.Errorf("describe secret: %w", err)
	}
	if !desc.RotationEnabled {
		return fmt.Errorf("secret %s does not have rotation enabled", ev.SecretID)
	}
	stages, known := desc.Versions[ev.Token]
	switch {
	case slices.Contains(stages, StageCurrent):
		// A retried or late step of a rotation that already finished.
		log.Info("rotation: version is already current, nothing to do")
		return nil
	case known && !slices.Contains(stages, StagePending):
		return fmt.Errorf("version %s of secret %s is not pending rotation", ev.Token, ev.SecretID)
	case !known && ev.Step != StepCreate:
		return fmt.Errorf("version %s of secret %s does not exist", ev.Token, ev.SecretID)
	}
	switch ev.Step {
	case StepCreate:
		return r.create(ctx, ev, log)
	case StepSet:
		// Nothing outside the secret holds the key: every RipTide process
		// checks keys against the secret itself (re-read within minutes),
		// so there is no database user or vendor account to update.
		log.Info("rotation: nothing to set, the secret is the only holder of the key")
		return nil
	case StepTest:
		return r.test(ctx, ev, log)
	default:
		return r.finish(ctx, ev, desc, log)
	}
}

func (r *Rotator) create(ctx context.Context, ev Event, log *slog.Logger) error {
	current, err := r.Secrets.Value(ctx, ev.SecretID, "", StageCurrent)
	if err != nil {
		return fmt.Errorf("read the current version: %w", err)
	}
	_, err = r.Secrets.Value(ctx, ev.SecretID, ev.Token, StagePending)
	switch {
	case err == nil:
		log.Info("rotation: pending version exists already")
		return nil
	case !errors.Is(err, ErrNotFound):
		return fmt.Errorf("read the pending version: %w", err)
	}
	next, err := r.Format.Next(current)
	if err != nil {
		return err
	}
	if err := r.Secrets.PutPending(ctx, ev.SecretID, ev.Token, next); err != nil {
		return fmt.Errorf("store the pending version: %w", err)
	}
	log.Info("rotation: pending version created")
	return nil
}

func (r *Rotator) test(ctx context.Context, ev Event, log *slog.Logger) error {
	pending, err := r.Secrets.Value(ctx, ev.SecretID, ev.Token, StagePending)
	if err != nil {
		return fmt.Errorf("read the pending version: %w", err)
	}
	current, err := r.Secrets.Value(ctx, ev.SecretID, "", StageCurrent)
	if err != nil {
		return fmt.Errorf("read the current version: %w", err)
	}
	if err := r.Format.Check(ctx, pending, current); err != nil {
		return fmt.Errorf("pending version fails its test: %w", err)
	}
	log.Info("rotation: pending version tested")
	return nil
}

func (r *Rotator) finish(ctx context.Context, ev Event, desc Description, log *slog.Logger) error {
	from := ""
	for id, stages := range desc.Versions {
		if slices.Contains(stages, StageCurrent) {
			from = id
		}
	}
	if from == "" {
		return fmt.Errorf("secret %s has no current version", ev.SecretID)
	}
	if err := r.Secrets.MoveCurrent(ctx, ev.SecretID, ev.Token, from); err != nil {
		return fmt.Errorf("make version %s current: %w", ev.Token, err)
	}
	log.Info("rotation: finished", slog.String("previous", from))
	return nil
}
