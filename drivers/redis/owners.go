package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/runtime"
)

// indexKey returns the key of owner's index: a sorted set of "<handle>
// <session ID>" entries scored by each session's deadline (ms). The owner
// appears only as its SHA-256, so that no owner string (braces, spaces,
// line breaks, 10 KB) can pin the key to a Cluster slot, reach another key
// or share an index with another owner; each session also records its
// owner, which listing checks.
func (d *Driver) indexKey(owner string) string {
	sum := sha256.Sum256([]byte(owner))
	return d.ns + ":owner:" + hex.EncodeToString(sum[:])
}

// indexed is an owner index entry.
type indexed struct{ member, handle, id string }

// entries returns owner's index entries, in one round trip.
func (d *Driver) entries(ctx context.Context, idx string) ([]indexed, error) {
	members, err := d.c.ZRange(ctx, idx, 0, -1).Result()
	if err != nil {
		return nil, d.fail("reading the owner index", err)
	}
	list := make([]indexed, 0, len(members))
	for _, m := range members {
		if handle, id, ok := strings.Cut(m, " "); ok && runtime.ValidID(id) {
			list = append(list, indexed{m, handle, id})
		}
	}
	return list, nil
}

// Sessions returns the owner's live sessions: one round trip for the
// index, one pipeline reading every session it lists (on Cluster, one
// batch per node, sent together), and, when the index holds entries of
// sessions that ended (by TTL, revocation, or a failure between the steps
// of a Cluster save), one more to prune them. It never scans the keyspace.
func (d *Driver) Sessions(ctx context.Context, owner string) ([]*runtime.Record, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	idx := d.indexKey(owner)
	entries, err := d.entries(ctx, idx)
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	cmds := make([]*goredis.SliceCmd, len(entries))
	_, err = d.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, e := range entries {
			cmds[i] = p.HMGet(ctx, d.Key(e.id), fieldCreated, fieldActive, fieldOwner, fieldHandle, fieldDevice, fieldPersist)
		}
		return nil
	})
	if err != nil {
		return nil, d.fail("reading the owner's sessions", err)
	}
	var list []*runtime.Record
	var dead []any
	for i, e := range entries {
		v := cmds[i].Val()
		m := make(map[string]string, len(v))
		for j, f := range []string{fieldCreated, fieldActive, fieldOwner, fieldHandle, fieldDevice, fieldPersist} {
			if s, ok := v[j].(string); ok {
				m[f] = s
			}
		}
		rec := decode(e.id, m)
		if rec == nil || rec.Owner != owner || rec.Handle != e.handle {
			dead = append(dead, e.member)
			continue
		}
		list = append(list, rec)
	}
	// On a single server an entry whose session is gone stays gone (the
	// save script adds an entry and writes its session at once). On
	// Cluster the entry is added before its session is written, so a login
	// may be between its steps: its entry is left to the pruning at its
	// deadline.
	if len(dead) > 0 && d.single {
		if err := d.c.ZRem(ctx, idx, dead...).Err(); err != nil {
			return nil, d.fail("pruning the owner index", err)
		}
	}
	return list, nil
}

// Revoke ends the owner's sessions named by handles (all when handles is
// empty) but the one whose ID is except, then removes their index
// entries: a ZRANGE, a pipeline of revokeScript runs (each ends a session
// only if it still belongs to the owner under that handle), and a ZREM,
// whatever the number of sessions. A failure between them leaves entries
// of ended sessions, which listing skips. On Cluster the sessions are
// ended once more after the ZREM, for a login whose save ran between the
// steps (see save.run).
func (d *Driver) Revoke(ctx context.Context, owner string, handles []string, except string) (int, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	idx := d.indexKey(owner)
	entries, err := d.entries(ctx, idx)
	if err != nil {
		return 0, err
	}
	var ended []indexed
	for _, e := range entries {
		if e.id != except && (len(handles) == 0 || slices.Contains(handles, e.handle)) {
			ended = append(ended, e)
		}
	}
	if len(ended) == 0 {
		return 0, nil
	}
	n, err := d.end(ctx, owner, ended)
	if err != nil {
		return 0, err
	}
	members := make([]any, len(ended))
	for i, e := range ended {
		members[i] = e.member
	}
	if err := d.c.ZRem(ctx, idx, members...).Err(); err != nil {
		return n, d.fail("removing revoked sessions from the owner index", err)
	}
	if !d.single {
		m, err := d.end(ctx, owner, ended)
		return n + m, err
	}
	return n, nil
}

// end runs revokeScript on the sessions of entries, in one pipeline, and
// returns how many it ended.
func (d *Driver) end(ctx context.Context, owner string, entries []indexed) (int, error) {
	cmds := make([]*goredis.Cmd, len(entries))
	_, err := d.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
		for i, e := range entries {
			cmds[i] = revokeScript.EvalSha(ctx, p, []string{d.Key(e.id)}, owner, e.handle)
		}
		return nil
	})
	if err != nil && isNoScript(err) {
		if err := revokeScript.Load(ctx, d.c).Err(); err != nil {
			return 0, d.fail("loading the revoke script", err)
		}
		return d.end(ctx, owner, entries)
	}
	if err != nil {
		return 0, d.fail("ending the owner's sessions", err)
	}
	n := 0
	for _, c := range cmds {
		v, _ := c.Int()
		n += v
	}
	return n, nil
}

// isNoScript reports whether err is Redis's answer to an EVALSHA of a
// script it does not hold.
func isNoScript(err error) bool { return strings.HasPrefix(err.Error(), "NOSCRIPT") }
