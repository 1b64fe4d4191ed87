package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/riptidecrawler/riptide/shared/gatewaykeys"
)

// GatewayKeyMemoTTL is how long the authorizer trusts a remembered API
// Gateway key: a key deleted by hand (or a plan membership changed in the
// console) is made right again within a day.
const GatewayKeyMemoTTL = 24 * time.Hour

// GatewayKeyMemo keeps which callers have an API Gateway key, and in which
// plan, in <prefix>gwkey:<caller> (gatewaykeys.Memo), so that every
// authorizer instance knows what one of them made.
type GatewayKeyMemo struct{ s *Store }

// NewGatewayKeyMemo returns the memo of s.
func NewGatewayKeyMemo(s *Store) *GatewayKeyMemo { return &GatewayKeyMemo{s: s} }

var _ gatewaykeys.Memo = (*GatewayKeyMemo)(nil)

func (m *GatewayKeyMemo) key(caller string) string { return m.s.Key("gwkey", caller) }

// Get implements gatewaykeys.Memo.
func (m *GatewayKeyMemo) Get(ctx context.Context, caller string) (gatewaykeys.Entry, bool, error) {
	raw, err := m.s.Client.Get(ctx, m.key(caller)).Bytes()
	if errors.Is(err, redis.Nil) {
		return gatewaykeys.Entry{}, false, nil
	}
	if err != nil {
		return gatewaykeys.Entry{}, false, fmt.Errorf("gateway key memo of %s: %w", caller, err)
	}
	var e gatewaykeys.Entry
	if err := json.Unmarshal(raw, &e); err != nil || e.KeyID == "" {
		// Unreadable: as if not kept; the key is found again and the entry
		// rewritten.
		return gatewaykeys.Entry{}, false, nil
	}
	return e, true, nil
}

// Put implements gatewaykeys.Memo.
func (m *GatewayKeyMemo) Put(ctx context.Context, caller string, e gatewaykeys.Entry) error {
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := m.s.Client.Set(ctx, m.key(caller), raw, GatewayKeyMemoTTL).Err(); err != nil {
		return fmt.Errorf("gateway key memo of %s: %w", caller, err)
	}
	return nil
}
