package redis

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/runtime"
)

// Save writes what changed and returns the session ID as the cookie value,
// or "" when the session ended up empty and its hash was deleted. When the
// session was loaded (ch.New is false) and its hash is gone by the time the
// write runs, nothing is written and the error wraps runtime.ErrSessionGone.
// It is one run of saveScript; on Cluster, Regenerate and Invalidate first
// delete the previous ID, and a change of owner index adds and removes the
// index entries in commands of their own (see docs/redis.md).
func (d *Driver) Save(ctx context.Context, _ string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	if !runtime.ValidID(rec.ID) {
		return "", errors.New("sessgen/redis: saving session: malformed session ID")
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	s := save{d: d, rec: rec, ch: ch, ttl: rec.Expires.Sub(rec.Active), loaded: !ch.New}
	s.whole = ch.Whole() || s.ttl < time.Millisecond
	if s.whole && ch.OldID != "" && ch.OldID != rec.ID && runtime.ValidID(ch.OldID) {
		s.old = d.Key(ch.OldID)
	}
	if ch.Reindex {
		s.reindex()
	}
	return s.run(ctx)
}

// Modes of saveScript, its ARGV[2].
const (
	modeNew     = "n" // apply changes to a session saved for the first time
	modeUpdate  = "u" // apply changes to a loaded session, if it still exists
	modeFresh   = "w" // delete the hash (and the old ID's), then write
	modeReplace = "W" // the same, if the loaded session still exists
)

// Results of saveScript.
const (
	resultGone  = -1 // the loaded session no longer existed: nothing written
	resultEmpty = 0  // no value left: the hash is deleted
	resultSaved = 1  // the hash holds the session, with its TTL refreshed
)

// errGone is what Save returns when the loaded session's hash is gone.
var errGone = fmt.Errorf("sessgen/redis: saving session: %w", runtime.ErrSessionGone)

// Pre-boxed arguments, so that the common save boxes nothing for them.
var (
	argNone any = ""
	argZero any = 0
	argNo   any = "0"
	argYes  any = "1"
)

// A save is one Save call's plan.
type save struct {
	d      *Driver
	rec    *runtime.Record
	ch     *runtime.Changes
	ttl    time.Duration
	loaded bool   // the session was loaded: write only if it still exists
	whole  bool   // write the whole record, after deleting the hash
	old    string // the previous ID's hash, to delete
	// The owner index entries to add and to remove ("" for none) and the
	// index keys they belong to.
	add, addKey, del, delKey string
}

// reindex plans the owner index entries: the session's current one (its
// handle and ID) goes into its owner's index, the one the store had comes
// out of the previous owner's.
func (s *save) reindex() {
	rec, ch := s.rec, s.ch
	if rec.Owner != "" {
		s.add, s.addKey = rec.Handle+" "+rec.ID, s.d.indexKey(rec.Owner)
	}
	if ch.OldOwner != "" {
		id := rec.ID
		if ch.OldID != "" {
			id = ch.OldID
		}
		s.del, s.delKey = ch.OldHandle+" "+id, s.d.indexKey(ch.OldOwner)
	}
	if s.add == s.del && s.addKey == s.delKey {
		s.del = "" // the entry stays: re-adding it moves its score to the new deadline
		if !ch.PersistSet {
			s.add = "" // nothing moves
		}
	}
}

// run writes the session. On a single server everything happens in one run
// of saveScript. On Cluster the keys may live on different nodes, and a
// script cannot span nodes, so the steps are ordered for a failure (or a
// concurrent Revoke) to leave a session ended rather than alive under an
// old ID or missing from its owner's index: the new index entry is added
// first; the previous ID is deleted next (DEL answers whether it still
// existed); then the session is written, and ended again if its entry was
// revoked meanwhile; the previous index entry is removed last.
func (s *save) run(ctx context.Context) (string, error) {
	d := s.d
	keys := []string{d.Key(s.rec.ID)} // more only on Regenerate and reindexing

	if !d.single {
		if s.add != "" {
			err := indexScript.Run(ctx, d.c, []string{s.addKey}, s.add, s.rec.Deadline.UnixMilli(), s.rec.Active.UnixMilli()).Err()
			if err != nil {
				return "", d.fail("indexing the session by owner", err)
			}
		}
		if s.old != "" {
			n, err := d.c.Del(ctx, s.old).Result()
			if err != nil {
				return "", d.fail("deleting the session's previous ID", err)
			}
			if n == 0 && s.loaded {
				return "", errGone
			}
			s.loaded, s.old = false, "" // checked
		}
		token, err := s.write(ctx, keys, false)
		if err != nil {
			return "", err
		}
		if s.add != "" && token != "" {
			// A Revoke that ran between the steps removed the new entry and
			// may have missed the hash, written after its delete: end the
			// session rather than leave it alive and unlisted.
			if err := d.c.ZScore(ctx, s.addKey, s.add).Err(); errors.Is(err, goredis.Nil) {
				if err := d.c.Del(ctx, keys[0]).Err(); err != nil {
					return "", d.fail("ending a session revoked while it was saved", err)
				}
				return "", errGone
			} else if err != nil {
				return "", d.fail("checking the session's owner index entry", err)
			}
		}
		if s.del != "" {
			// A failure leaves an entry of an ended session, which listing
			// skips and the index's pruning removes at its deadline; the
			// session itself is saved.
			_ = d.c.ZRem(ctx, s.delKey, s.del).Err()
		}
		return token, nil
	}
	if s.old != "" {
		keys = append(keys, s.old)
	}
	if s.add != "" {
		keys = append(keys, s.addKey)
	}
	if s.del != "" {
		keys = append(keys, s.delKey)
	}
	return s.write(ctx, keys, true)
}

// write runs saveScript on keys, with the index entries when index is
// set.
func (s *save) write(ctx context.Context, keys []string, index bool) (string, error) {
	rec, ch := s.rec, s.ch
	write := !s.whole || s.ttl >= time.Millisecond && (len(rec.Data) > 0 || len(rec.Flash) > 0 || rec.Owner != "")
	if s.whole && !write && len(keys) == 1 && !s.loaded && ch.Unlock == "" {
		// Nothing stored needs deleting: the new ID was never stored, and
		// the previous one (on Cluster) is already gone.
		return "", nil
	}
	mode := modeUpdate
	switch {
	case s.whole && s.loaded:
		mode = modeReplace
	case s.whole:
		mode = modeFresh
	case ch.New:
		mode = modeNew
	}
	n := 10 + 5*len(ch.DataAdd)
	if s.whole {
		n += 12 + 2*(len(rec.Data)+len(rec.Flash))
	} else {
		n += len(ch.DataDel) + len(ch.FlashDel) + 4 + 2*(len(ch.DataSet)+len(ch.FlashSet))
	}
	args := make([]any, 10, n)
	args[0], args[1] = s.ttl.Milliseconds(), mode
	args[4], args[5], args[6], args[7], args[8], args[9] = argNone, argNo, argNone, argZero, argNone, argZero
	if ch.Unlock != "" {
		args[4] = ch.Unlock
	}
	if len(keys) > 1 && s.old != "" {
		args[5] = argYes
	}
	if index && s.add != "" {
		args[6], args[7], args[9] = s.add, rec.Deadline.UnixMilli(), rec.Active.UnixMilli()
	}
	if index && s.del != "" {
		args[8] = s.del
	}
	if s.whole {
		if write {
			args = append(args, fieldCreated, rec.Created.UnixNano(), fieldActive, rec.Active.UnixNano())
			args = appendAccount(args, rec, allAccount, true)
			for k, v := range rec.Data {
				args = append(args, dataField(k), v)
			}
			for k, v := range rec.Flash {
				args = append(args, flashField(k), v)
			}
		}
		args[2], args[3] = 0, 0
		return s.d.run(ctx, keys, args, rec.ID)
	}
	for _, f := range ch.DataDel {
		args = append(args, dataField(f))
	}
	for _, f := range ch.FlashDel {
		args = append(args, flashField(f))
	}
	args = appendAccount(args, rec, ch, false)
	args[2] = len(args) - 10
	for _, inc := range ch.DataAdd {
		sign := "u"
		if inc.Signed {
			sign = "s"
		}
		args = append(args, dataField(inc.Key), inc.By>>32, inc.By&(1<<32-1), inc.Bits, sign)
	}
	args[3] = len(ch.DataAdd)
	args = append(args, fieldActive, rec.Active.UnixNano())
	if ch.New {
		args = append(args, fieldCreated, rec.Created.UnixNano())
	}
	args = appendAccount(args, rec, ch, true)
	for _, f := range ch.DataSet {
		if v, ok := rec.Data[f]; ok {
			args = append(args, dataField(f), v)
		}
	}
	for _, f := range ch.FlashSet {
		if v, ok := rec.Flash[f]; ok {
			args = append(args, flashField(f), v)
		}
	}
	return s.d.run(ctx, keys, args, rec.ID)
}

// allAccount marks every account value as changed, for whole writes.
var allAccount = &runtime.Changes{OwnerSet: true, DeviceSet: true, PersistSet: true, New: true}

// appendAccount appends, for the account values ch says changed, the
// field-value pairs of those rec has (sets) or the fields of those it lacks
// (not sets). Values this request did not change are left as the store has
// them, so that a request relabelling the device does not write back an
// owner another request changed meanwhile.
func appendAccount(args []any, rec *runtime.Record, ch *runtime.Changes, sets bool) []any {
	add := func(has bool, field string, v any) {
		switch {
		case sets && has:
			args = append(args, field, v)
		case !sets && !has:
			args = append(args, field)
		}
	}
	if ch.OwnerSet {
		add(rec.Owner != "", fieldOwner, rec.Owner)
		add(rec.Owner != "", fieldHandle, rec.Handle)
	}
	if ch.DeviceSet {
		add(rec.Device != "", fieldDevice, rec.Device)
	}
	if ch.PersistSet {
		add(rec.Persist != 0, fieldPersist, rec.Persist)
	}
	if ch.PersistSet || ch.New {
		add(!rec.Deadline.IsZero(), fieldEnds, rec.Deadline.UnixNano())
	}
	return args
}

// run runs saveScript and turns its result into Save's.
func (d *Driver) run(ctx context.Context, keys []string, args []any, id string) (string, error) {
	res, err := saveScript.Run(ctx, d.c, keys, args...).Int()
	if err != nil {
		return "", d.fail("saving session", err)
	}
	switch res {
	case resultSaved:
		return id, nil
	case resultEmpty:
		return "", nil
	case resultGone:
		return "", errGone
	}
	return "", fmt.Errorf("sessgen/redis: saving session: unexpected script result %d", res)
}
