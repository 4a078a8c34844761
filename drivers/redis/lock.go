package redis

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/runtime"
)

// LoadLocked is Load that also takes the session's lock, in one round trip
// (lockScript): the lock is a field of the session's hash, holding the
// request's token and its expiry by the server's clock, so it needs no key
// of its own and goes with the session when it ends. It fails with an
// error wrapping runtime.ErrLocked while another request holds the lock.
func (d *Driver) LoadLocked(ctx context.Context, _, token, lock string, ttl time.Duration) (*runtime.Record, error) {
	if !runtime.ValidID(token) {
		return nil, nil
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	key, ttlMs := d.Key(token), max(ttl.Milliseconds(), 1)
	// A typed command reads the reply straight into a map, as HGETALL's
	// does; Script.Run would box every field and value.
	cmd := goredis.NewMapStringStringCmd(ctx, "evalsha", lockScript.Hash(), 1, key, lock, ttlMs)
	if err := d.c.Process(ctx, cmd); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		cmd = goredis.NewMapStringStringCmd(ctx, "eval", lockLua, 1, key, lock, ttlMs)
		_ = d.c.Process(ctx, cmd)
	}
	m, err := cmd.Result()
	switch {
	case errors.Is(err, goredis.Nil):
		return nil, nil // no such session: nothing to lock
	case err != nil && strings.Contains(err.Error(), lockedReply):
		return nil, fmt.Errorf("sessgen/redis: session locked by another request: %w", runtime.ErrLocked)
	case err != nil:
		return nil, d.fail("loading and locking session", err)
	}
	return decode(token, m), nil
}

// Unlock releases the session's lock if lock still holds it. A save
// releases it too, in the same round trip.
func (d *Driver) Unlock(ctx context.Context, _, token, lock string) error {
	if !runtime.ValidID(token) {
		return nil
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	if err := unlockScript.Run(ctx, d.c, []string{d.Key(token)}, lock).Err(); err != nil {
		return d.fail("unlocking session", err)
	}
	return nil
}
