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

	// Timeout, when positive, bounds each Load and Save (all its retries
	// included), on top of the client's own DialTimeout, ReadTimeout and
	// WriteTimeout. Zero leaves timeouts to the client (go-redis defaults: 5s
	// to dial, 5s to read and write, 3 retries; see the package
	// documentation for settings that fail fast).
	//
	// go-redis applies a context's deadline to socket reads and writes only
	// when the client's options have ContextTimeoutEnabled: true; by default
	// it ignores it, and a Timeout would bound nothing. New therefore refuses
	// a positive Timeout with a *goredis.Client, *goredis.ClusterClient or
	// *goredis.Ring whose ContextTimeoutEnabled is false. (It cannot look
	// inside other client types: there it is up to you.)
	Timeout time.Duration
}

// Driver stores sessions in Redis. It is safe for concurrent use, holds no
// state of its own besides the client, and keeps working when Redis comes
// back after an outage.
type Driver struct {
	c       goredis.UniversalClient
	prefix  string // "<namespace>:session:"
	timeout time.Duration
	// single is true when every key lives on one server, so a script may
	// touch two sessions' keys. It is decided from the client's Go type.
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
	if opts.Timeout > 0 && !contextTimeouts(client) {
		return nil, fmt.Errorf("sessgen/redis: Timeout %v would not be enforced: the go-redis client ignores context deadlines "+
			"on socket reads and writes unless its options set ContextTimeoutEnabled: true; set it, or leave Timeout zero and "+
			"rely on the client's DialTimeout, ReadTimeout, WriteTimeout and MaxRetries", opts.Timeout)
	}
	// See the package documentation: only a *goredis.Client is taken for a
	// single server.
	_, single := client.(*goredis.Client)
	return &Driver{c: client, prefix: ns + ":session:", timeout: opts.Timeout, single: single}, nil
}

// contextTimeouts reports whether client applies context deadlines to its
// socket I/O, as far as New can tell: true for a client type it does not know.
func contextTimeouts(client goredis.UniversalClient) bool {
	switch c := client.(type) {
	case *goredis.Client:
		return c.Options().ContextTimeoutEnabled
	case *goredis.ClusterClient:
		return c.Options().ContextTimeoutEnabled
	case *goredis.Ring:
		return c.Options().ContextTimeoutEnabled
	}
	return true
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
// or "" when the session ended up empty and its hash was deleted. When the
// session was loaded (ch.New is false) and its hash is gone by the time the
// write runs, nothing is written and the error wraps runtime.ErrSessionGone.
// See the package documentation for the commands and round trips.
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
	if !ch.Whole() && ttl >= time.Millisecond {
		return d.update(ctx, key, rec, ch, ttl)
	}
	var old string // the key to destroy, if any
	if ch.OldID != "" && ch.OldID != rec.ID && runtime.ValidID(ch.OldID) {
		old = d.Key(ch.OldID)
	}
	return d.replace(ctx, key, old, rec, !ch.New, ttl)
}

// Modes of saveScript, its ARGV[2].
const (
	modeNew     = "n" // apply changes to a session saved for the first time
	modeUpdate  = "u" // apply changes to a loaded session, if it still exists
	modeFresh   = "w" // delete KEYS (the hash and the old ID's), then write
	modeReplace = "W" // the same, if the loaded session (KEYS[2], else KEYS[1]) still exists
)

// Results of saveScript.
const (
	resultGone  = -1 // the loaded session no longer existed: nothing written
	resultEmpty = 0  // no value left: the hash is deleted
	resultSaved = 1  // the hash holds the session, with its TTL refreshed
)

// saveScript writes a session, atomically and in one round trip (EVALSHA;
// go-redis falls back to EVAL once after a server restart).
//
// KEYS[1] is the session's hash; KEYS[2], only on a single server, is the
// hash of the session's previous ID, to delete. ARGV[1] is the TTL in
// milliseconds, ARGV[2] the mode (modeNew...), ARGV[3] the number n of
// fields to delete, ARGV[4..3+n] those fields, and the rest field-value
// pairs to set.
//
// In the guarded modes (modeUpdate, modeReplace) the script writes nothing
// and returns -1 when the loaded session's hash has no creation time: it was
// logged out, regenerated or expired meanwhile, and a slow request must not
// bring it back. The whole-record modes delete KEYS before writing, so that
// Reset and Invalidate remove whatever existed when they ran. A hash left
// with no more than its two metadata fields (or none) is deleted and the
// script returns 0; otherwise it refreshes the TTL and returns 1.
//
// HDEL and HSET take at most 1000 arguments each: Lua's unpack cannot
// return more than about 8000 values.
var saveScript = goredis.NewScript(`
local key, mode, n = KEYS[1], ARGV[2], tonumber(ARGV[3])
if (mode == 'u' or mode == 'W') and redis.call('HEXISTS', KEYS[2] or key, 'c') == 0 then
	return -1
end
if mode == 'w' or mode == 'W' then
	redis.call('DEL', unpack(KEYS))
end
local last = 3 + n
for i = 4, last, 1000 do
	redis.call('HDEL', key, unpack(ARGV, i, math.min(i + 999, last)))
end
last = #ARGV
for i = 4 + n, last, 1000 do
	redis.call('HSET', key, unpack(ARGV, i, math.min(i + 999, last)))
end
if redis.call('HLEN', key) <= 2 then
	redis.call('DEL', key)
	return 0
end
redis.call('PEXPIRE', key, ARGV[1])
return 1
`)

// errGone is what Save returns when the loaded session's hash is gone.
var errGone = fmt.Errorf("sessgen/redis: saving session: %w", runtime.ErrSessionGone)

// replace writes the whole record, after deleting what the key held, and
// destroys the old key; it only deletes when the record is empty or out of
// time. When loaded, it does all that only if the loaded session still
// exists (under old, or under key when the ID did not change).
//
// On a single server this is one script run with both keys. On Cluster the
// keys may live on different nodes, and a script cannot span nodes: the old
// key is deleted first (DEL answers whether it existed) and the new one
// written only if the session was still there. If the second step fails,
// the session is gone rather than left valid under its old ID: a logout
// fails closed.
func (d *Driver) replace(ctx context.Context, key, old string, rec *runtime.Record, loaded bool, ttl time.Duration) (string, error) {
	keys := []string{key}
	if old != "" {
		if d.single {
			keys = append(keys, old)
		} else {
			n, err := d.c.Del(ctx, old).Result()
			if err != nil {
				return "", fmt.Errorf("sessgen/redis: deleting the session's previous ID: %w", err)
			}
			if n == 0 && loaded {
				return "", errGone
			}
			loaded = false // checked
		}
	}
	write := ttl >= time.Millisecond && (len(rec.Data) > 0 || len(rec.Flash) > 0)
	if !write && len(keys) == 1 && !loaded {
		// Nothing stored needs deleting: the new ID was never stored, and
		// the old key (on Cluster) is already gone.
		return "", nil
	}
	mode := modeFresh
	if loaded {
		mode = modeReplace
	}
	size := 3
	if write {
		size += 4 + 2*(len(rec.Data)+len(rec.Flash))
	}
	args := make([]any, 0, size)
	args = append(args, ttl.Milliseconds(), mode, 0)
	if write {
		args = append(args, fieldCreated, rec.Created.UnixNano(), fieldActive, rec.Active.UnixNano())
		for k, v := range rec.Data {
			args = append(args, dataField(k), v)
		}
		for k, v := range rec.Flash {
			args = append(args, flashField(k), v)
		}
	}
	return d.run(ctx, keys, args, rec.ID)
}

// update applies the listed changes with saveScript.
func (d *Driver) update(ctx context.Context, key string, rec *runtime.Record, ch *runtime.Changes, ttl time.Duration) (string, error) {
	n := len(ch.DataDel) + len(ch.FlashDel)
	args := make([]any, 0, 7+n+2*(len(ch.DataSet)+len(ch.FlashSet)))
	mode := modeUpdate
	if ch.New {
		mode = modeNew
	}
	args = append(args, ttl.Milliseconds(), mode, n)
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
	return d.run(ctx, []string{key}, args, rec.ID)
}

// run runs saveScript and turns its result into Save's.
func (d *Driver) run(ctx context.Context, keys []string, args []any, id string) (string, error) {
	res, err := saveScript.Run(ctx, d.c, keys, args...).Int()
	if err != nil {
		return "", fmt.Errorf("sessgen/redis: saving session: %w", err)
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
