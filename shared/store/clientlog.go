package store

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/redis/go-redis/v9"
)

// SetClientLogger sends the Redis client's own messages (pool dial
// failures, reconnects) to logger as JSON warnings like every other log
// line, instead of go-redis's default plain-text log on stderr. The
// client's logger is global to the process, as go-redis has it.
func SetClientLogger(logger *slog.Logger) {
	if logger != nil {
		redis.SetLogger(clientLog{logger})
	}
}

type clientLog struct{ l *slog.Logger }

func (c clientLog) Printf(ctx context.Context, format string, v ...any) {
	if ctx == nil {
		ctx = context.Background()
	}
	c.l.WarnContext(ctx, "redis client: "+strings.TrimSpace(fmt.Sprintf(format, v...)), slog.String("component", "go-redis"))
}
