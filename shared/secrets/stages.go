package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Staging labels of Secrets Manager versions.
const (
	StageCurrent  = "AWSCURRENT"
	StagePrevious = "AWSPREVIOUS"
)

// Version is one version of a secret.
type Version struct {
	Value string
	// Created is when the version was created (zero when the source does
	// not say): the start of a rotation's overlap window.
	Created time.Time
}

// Staged is a Source that keeps versions under staging labels (Secrets
// Manager): AWSCURRENT, and AWSPREVIOUS after a rotation.
type Staged interface {
	GetStage(ctx context.Context, name, stage string) (Version, error)
}

// GetStage implements Staged: the environment has only a current value.
func (e Env) GetStage(ctx context.Context, name, stage string) (Version, error) {
	if stage != StageCurrent {
		return Version{}, fmt.Errorf("%w: the environment keeps no %s value of %s", ErrNotFound, stage, name)
	}
	v, err := e.Get(ctx, name)
	return Version{Value: v}, err
}

// GetStage implements Staged. Versions are cached like values, and so is
// the absence of one (a secret never rotated has no AWSPREVIOUS: asking
// Secrets Manager again on every request would cost a call each).
func (c *Cached) GetStage(ctx context.Context, name, stage string) (Version, error) {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	key := name + "\x00" + stage
	c.mu.Lock()
	e, ok := c.versions[key]
	c.mu.Unlock()
	if ok && now().Sub(e.fetched) < c.TTL {
		return e.version, e.err
	}
	var v Version
	var err error
	if st, staged := c.Source.(Staged); staged {
		v, err = st.GetStage(ctx, name, stage)
	} else if stage == StageCurrent {
		v.Value, err = c.Source.Get(ctx, name)
	} else {
		err = fmt.Errorf("%w: %s of %s", ErrNotFound, stage, name)
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		if ok && e.err == nil {
			// Serve the last good version when the backend blips.
			return e.version, nil
		}
		return Version{}, err
	}
	c.mu.Lock()
	if c.versions == nil {
		c.versions = map[string]versionEntry{}
	}
	c.versions[key] = versionEntry{version: v, err: err, fetched: now()}
	c.mu.Unlock()
	return v, err
}

type versionEntry struct {
	version Version
	err     error // nil or ErrNotFound
	fetched time.Time
}
