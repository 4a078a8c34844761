// Package redis is a sessgen driver that keeps sessions in Redis, on
// github.com/redis/go-redis/v9. It works with a standalone server, Sentinel
// (a failover client) and Redis Cluster alike.
//
// # Layout
//
// Each session is one Redis hash under the key <namespace>:session:<id>,
// where id is the 43-character session ID the cookie carries. The hash has one
// field per session value and two metadata fields:
//
//	d:<key>   msgpack bytes of the data key <key>
//	f:<key>   msgpack bytes of the flash key <key>
//	c         creation time, Unix nanoseconds in decimal
//	a         last recorded activity, Unix nanoseconds in decimal
//
// The hash expires by itself when the session's idle timeout or absolute
// lifetime (whichever is first) runs out: every save sets its TTL. The TTL is
// relative (PEXPIRE, the time from the recorded activity to the session's
// end), so the application servers' clocks need not agree with Redis's.
//
// # Round trips
//
// Loading a session is one HGETALL. Saving is one round trip: an EVALSHA of
// a small Lua script that, atomically inside Redis, deletes the fields that
// were deleted or aged out (HDEL), writes the fields that changed and the
// activity time (HSET), and refreshes the TTL (PEXPIRE). Only the keys that
// changed are written, so two requests on the same session that write
// different keys both persist; for the same key the last write wins. The
// script also deletes the hash when no value is left in it (unless another
// request put one there meanwhile), and it refuses to write into a loaded
// session whose hash is gone, so a slow request finishing after a logout in
// another tab cannot bring the session back. The first save after Redis
// starts costs one more round trip, when EVALSHA is answered NOSCRIPT and
// go-redis sends the script with EVAL.
//
// A script rather than MULTI/EXEC: both are atomic and one round trip, but
// the script can make the decisions above inside Redis, and through go-redis
// it costs half the client time and 13 fewer allocations per save than a
// MULTI/HSET/PEXPIRE/EXEC transaction (measured by BenchmarkCycle).
//
// Reset and Invalidate delete the hash and write it again in one MULTI/EXEC
// transaction, so they remove everything that existed when they ran.
// Regenerate and Invalidate write the session under a new ID and delete the
// old key. On a single server (standalone or Sentinel) that is one
// transaction. On Redis Cluster the two keys may hash to different nodes, and
// a transaction cannot span nodes: the new hash is written in one transaction
// and the old key deleted afterwards, two round trips.
//
// A request that only reads the session writes nothing, except that the
// manager refreshes the recorded activity and the TTL at most once per
// runtime.Options.TouchInterval (one minute by default): the idle timeout
// is exact to within that interval.
package redis

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/runtime"
)

// Options configure a [Driver]. The zero value is usable.
type Options struct {
	// Namespace prefixes every key the driver uses: <Namespace>:session:<id>.
	// Default "sessgen". It must not contain braces, so that keys are never
	// pinned to one Cluster slot by a hash tag.
	Namespace string

	// Timeout, when positive, bounds each Load and Save, on top of the
	// client's own DialTimeout, ReadTimeout and WriteTimeout. Zero leaves
	// timeouts to the client (go-redis defaults: 5s to dial, 3s to read and
	// write).
	Timeout time.Duration
}

// Driver stores sessions in Redis. It is safe for concurrent use, holds no
// state of its own besides the client, and keeps working when Redis comes
// back after an outage.
type Driver struct {
	c       goredis.UniversalClient
	prefix  string // "<namespace>:session:"
	timeout time.Duration
	// single is true when every key lives on one server, so a transaction may
	// touch two sessions' keys.
	single bool
}

// Field names in a session's hash.
const (
	fieldCreated = "c"
	fieldActive  = "a"
	dataPrefix   = "d:"
	flashPrefix  = "f:"
)

// New returns a driver that stores sessions through client, which may be a
// *goredis.Client (standalone or, from goredis.NewFailoverClient, Sentinel),
// a *goredis.ClusterClient or anything goredis.NewUniversalClient returns.
// The driver does not close the client.
func New(client goredis.UniversalClient, opts Options) (*Driver, error) {
	if client == nil {
		return nil, errors.New("sessgen/redis: nil client")
	}
	ns := opts.Namespace
	if ns == "" {
		ns = "sessgen"
	}
	if strings.ContainsAny(ns, "{}") {
		return nil, fmt.Errorf("sessgen/redis: namespace %q must not contain braces (a Cluster hash tag)", ns)
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("sessgen/redis: negative Timeout %v", opts.Timeout)
	}
	_, single := client.(*goredis.Client)
	return &Driver{c: client, prefix: ns + ":session:", timeout: opts.Timeout, single: single}, nil
}

// Key returns the Redis key of the session with the given ID.
func (d *Driver) Key(id string) string { return d.prefix + id }

// Load returns the session the token (its ID) names, in one HGETALL. A
// malformed ID returns (nil, nil) without any Redis command; so does an
// unknown or expired one.
func (d *Driver) Load(ctx context.Context, _, token string) (*runtime.Record, error) {
	if !runtime.ValidID(token) {
		return nil, nil
	}
	if d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	m, err := d.c.HGetAll(ctx, d.Key(token)).Result()
	if err != nil {
		return nil, fmt.Errorf("sessgen/redis: loading session: HGETALL: %w", err)
	}
	return decode(token, m), nil
}

// decode builds a record from a session hash, or returns nil when the hash
// does not hold a session: it is empty (unknown or expired) or lacks its
// creation time (not written by this driver).
func decode(id string, m map[string]string) *runtime.Record {
	created, ok := parseTime(m[fieldCreated])
	if !ok {
		return nil
	}
	active, ok := parseTime(m[fieldActive])
	if !ok {
		active = created
	}
	rec := &runtime.Record{ID: id, Created: created, Active: active}
	for k, v := range m {
		switch {
		case strings.HasPrefix(k, dataPrefix):
			if rec.Data == nil {
				rec.Data = make(map[string][]byte, len(m)-2)
			}
			rec.Data[k[len(dataPrefix):]] = bytesOf(v)
		case strings.HasPrefix(k, flashPrefix):
			if rec.Flash == nil {
				rec.Flash = make(map[string][]byte, 2)
			}
			rec.Flash[k[len(flashPrefix):]] = bytesOf(v)
		}
	}
	return rec
}

// bytesOf returns s's bytes without copying them. The strings come from
// go-redis's reply and are referenced nowhere else, and a Record's values are
// read-only by the runtime.Driver contract, so no one can observe a string
// changing.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// names caches the hash field names of session keys ("d:cart"), already
// boxed as command arguments, so that a save neither builds nor boxes them
// again. Programs use a fixed set of keys (the generated schema's); past
// maxNames entries, names are built each time.
var names struct {
	data, flash sync.Map // key -> field name, as an any holding a string
	n           atomic.Int32
}

const maxNames = 4096

func fieldName(cache *sync.Map, prefix, key string) any {
	if f, ok := cache.Load(key); ok {
		return f
	}
	var f any = prefix + key
	if names.n.Load() < maxNames {
		if _, loaded := cache.LoadOrStore(key, f); !loaded {
			names.n.Add(1)
		}
	}
	return f
}

func dataField(key string) any  { return fieldName(&names.data, dataPrefix, key) }
func flashField(key string) any { return fieldName(&names.flash, flashPrefix, key) }

func parseTime(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, n), true
}

// Save writes what changed and returns the session ID as the cookie value,
// or "" when the session ended up empty and its hash was deleted. See the
// package documentation for the commands and round trips.
func (d *Driver) Save(ctx context.Context, _ string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	if !runtime.ValidID(rec.ID) {
		return "", errors.New("sessgen/redis: saving session: malformed session ID")
	}
	if d.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.timeout)
		defer cancel()
	}
	key := d.Key(rec.ID)
	ttl := rec.Expires.Sub(rec.Active)
	if rec.Active.IsZero() {
		ttl = time.Until(rec.Expires)
	}
	empty := len(rec.Data) == 0 && len(rec.Flash) == 0 // only a whole write may take this as final
	var old string                                     // the key to destroy, if any
	if ch.OldID != "" && ch.OldID != rec.ID && runtime.ValidID(ch.OldID) {
		old = d.Key(ch.OldID)
	}

	switch {
	case ch.Whole() && (empty || ttl < time.Millisecond):
		return "", d.del(ctx, key, old)
	case ch.Whole():
		return rec.ID, d.replace(ctx, key, old, rec, ttl)
	case ttl < time.Millisecond:
		return "", d.del(ctx, key, "")
	default:
		return d.update(ctx, key, rec, ch, ttl)
	}
}

// del deletes the session's key and the old key, if any. On Cluster the
// two DELs go in one pipeline, which go-redis splits by node and sends in
// parallel.
func (d *Driver) del(ctx context.Context, key, old string) error {
	var err error
	switch {
	case old == "":
		err = d.c.Del(ctx, key).Err()
	case d.single:
		err = d.c.Del(ctx, key, old).Err()
	default:
		_, err = d.c.Pipelined(ctx, func(p goredis.Pipeliner) error {
			p.Del(ctx, key)
			p.Del(ctx, old)
			return nil
		})
	}
	if err != nil {
		return fmt.Errorf("sessgen/redis: deleting session: %w", err)
	}
	return nil
}

// replace writes the whole record in one transaction, after deleting what
// the key held, and destroys the old key: in the same transaction on a
// single server, afterwards on Cluster.
func (d *Driver) replace(ctx context.Context, key, old string, rec *runtime.Record, ttl time.Duration) error {
	args := make([]any, 0, 4+2*(len(rec.Data)+len(rec.Flash)))
	args = append(args, fieldCreated, rec.Created.UnixNano(), fieldActive, rec.Active.UnixNano())
	for k, v := range rec.Data {
		args = append(args, dataField(k), v)
	}
	for k, v := range rec.Flash {
		args = append(args, flashField(k), v)
	}
	_, err := d.c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
		if old != "" && d.single {
			p.Del(ctx, key, old)
		} else {
			p.Del(ctx, key)
		}
		p.HSet(ctx, key, args...)
		p.PExpire(ctx, key, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("sessgen/redis: writing session: MULTI: %w", err)
	}
	if old != "" && !d.single {
		if err := d.c.Del(ctx, old).Err(); err != nil {
			return fmt.Errorf("sessgen/redis: deleting the session's previous ID: %w", err)
		}
	}
	return nil
}

// applyScript applies one request's changes to a session's hash, atomically
// and in one round trip (EVALSHA; go-redis falls back to EVAL once after a
// server restart). KEYS[1] is the hash. ARGV[1] is the TTL in milliseconds,
// ARGV[2] is "1" for a new session, ARGV[3] is the number n of fields to
// delete, ARGV[4..3+n] are those fields, and the rest are field-value pairs
// to set. It returns 1 if the session exists afterwards, 0 if not: a loaded
// session whose hash is gone (logged out or expired meanwhile, in another
// request) is not brought back, and a hash left with only its metadata is
// deleted.
var applyScript = goredis.NewScript(`
local key = KEYS[1]
if ARGV[2] ~= '1' and redis.call('HEXISTS', key, 'c') == 0 then
	return 0
end
local n = tonumber(ARGV[3])
if n > 0 then
	redis.call('HDEL', key, unpack(ARGV, 4, 3 + n))
end
if #ARGV > 3 + n then
	redis.call('HSET', key, unpack(ARGV, 4 + n))
end
if redis.call('HLEN', key) <= 2 then
	redis.call('DEL', key)
	return 0
end
redis.call('PEXPIRE', key, ARGV[1])
return 1
`)

// update applies the listed changes with applyScript and returns the token:
// the ID, or "" when the session no longer exists.
func (d *Driver) update(ctx context.Context, key string, rec *runtime.Record, ch *runtime.Changes, ttl time.Duration) (string, error) {
	n := len(ch.DataDel) + len(ch.FlashDel)
	args := make([]any, 0, 7+n+2*(len(ch.DataSet)+len(ch.FlashSet)))
	isNew := "0"
	if ch.New {
		isNew = "1"
	}
	args = append(args, ttl.Milliseconds(), isNew, n)
	for _, f := range ch.DataDel {
		args = append(args, dataField(f))
	}
	for _, f := range ch.FlashDel {
		args = append(args, flashField(f))
	}
	args = append(args, fieldActive, rec.Active.UnixNano())
	if ch.New {
		args = append(args, fieldCreated, rec.Created.UnixNano())
	}
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
	alive, err := applyScript.Run(ctx, d.c, []string{key}, args...).Int()
	if err != nil {
		return "", fmt.Errorf("sessgen/redis: writing session: %w", err)
	}
	if alive == 0 {
		return "", nil
	}
	return rec.ID, nil
}
