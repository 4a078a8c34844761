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
// Loading a session is one HGETALL. Saving is one MULTI/EXEC transaction that
// writes only the fields that changed (HSET, HDEL), the activity time and
// the TTL, so two requests on the same session that write different keys both
// persist; for the same key the last write wins. Reset and Invalidate delete
// the hash and write it again in the same transaction, so they remove
// everything that existed when they ran. A save that leaves the session empty
// runs one small Lua script (one round trip too) that deletes the fields and
// then the hash if no other request put values in it meanwhile.
//
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
//
// A write that races with the deletion of its session (a slow request
// finishing after a logout in another tab) can leave a hash without the
// creation field behind; Load treats such a hash as no session, and it
// expires with its TTL. A slow request cannot undo a logout.
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
// creation time (the remnant of a write that raced the session's deletion).
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

// names caches the hash field names of session keys ("d:cart"), so that a
// save does not build them again. Programs use a fixed set of keys (the
// generated schema's); past maxNames entries, names are built each time.
var names struct {
	data, flash sync.Map // key -> field name
	n           atomic.Int32
}

const maxNames = 4096

func fieldName(cache *sync.Map, prefix, key string) string {
	if f, ok := cache.Load(key); ok {
		return f.(string)
	}
	f := prefix + key
	if names.n.Load() < maxNames {
		if _, loaded := cache.LoadOrStore(key, f); !loaded {
			names.n.Add(1)
		}
	}
	return f
}

func dataField(key string) string  { return fieldName(&names.data, dataPrefix, key) }
func flashField(key string) string { return fieldName(&names.flash, flashPrefix, key) }

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
	empty := len(rec.Data) == 0 && len(rec.Flash) == 0
	var old string // the key to destroy, if any
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
	case empty:
		return d.deleteFields(ctx, key, rec, ch, ttl)
	default:
		return rec.ID, d.update(ctx, key, rec, ch, ttl)
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

// update applies the listed changes in one transaction.
func (d *Driver) update(ctx context.Context, key string, rec *runtime.Record, ch *runtime.Changes, ttl time.Duration) error {
	// The commands go through Do with argument lists built here: the typed
	// helpers would copy them and box the key once per command.
	k := any(key)
	p := d.c.TxPipeline()
	if n := len(ch.DataDel) + len(ch.FlashDel); n > 0 {
		del := make([]any, 0, 2+n)
		del = append(del, "hdel", k)
		for _, f := range ch.DataDel {
			del = append(del, dataField(f))
		}
		for _, f := range ch.FlashDel {
			del = append(del, flashField(f))
		}
		p.Do(ctx, del...)
	}
	set := make([]any, 0, 6+2*(len(ch.DataSet)+len(ch.FlashSet)))
	set = append(set, "hset", k, fieldActive, rec.Active.UnixNano())
	// A new session writes its creation time. A loaded one never does: if a
	// concurrent request deleted the hash, this write must not bring the
	// session back (see decode). The manager stamps a new session's creation
	// and activity with the same instant; a loaded session's activity is
	// later, unless a test's clock stood still, when a remnant may keep its
	// creation time and be revived.
	if rec.Created.Equal(rec.Active) {
		set = append(set, fieldCreated, rec.Created.UnixNano())
	}
	for _, f := range ch.DataSet {
		if v, ok := rec.Data[f]; ok {
			set = append(set, dataField(f), v)
		}
	}
	for _, f := range ch.FlashSet {
		if v, ok := rec.Flash[f]; ok {
			set = append(set, flashField(f), v)
		}
	}
	p.Do(ctx, set...)
	p.Do(ctx, "pexpire", k, ttl.Milliseconds())
	if _, err := p.Exec(ctx); err != nil {
		return fmt.Errorf("sessgen/redis: writing session: MULTI: %w", err)
	}
	return nil
}

// deleteFieldsScript deletes fields from a session's hash and then the hash
// itself if nothing but metadata is left; otherwise it records the activity
// and sets the TTL. It returns 1 if the session still exists, 0 if not.
// KEYS[1] is the hash; ARGV is the TTL in milliseconds, the activity time and
// the fields to delete.
var deleteFieldsScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], 'c') == 0 then
	return 0
end
if #ARGV > 2 then
	redis.call('HDEL', KEYS[1], unpack(ARGV, 3))
end
if redis.call('HLEN', KEYS[1]) <= 2 then
	redis.call('DEL', KEYS[1])
	return 0
end
redis.call('HSET', KEYS[1], 'a', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`)

// deleteFields saves a session whose values are all gone in this request's
// view. Another request may have added values meanwhile, so whether the hash
// goes away is decided in Redis, atomically.
func (d *Driver) deleteFields(ctx context.Context, key string, rec *runtime.Record, ch *runtime.Changes, ttl time.Duration) (string, error) {
	args := make([]any, 0, 2+len(ch.DataDel)+len(ch.FlashDel))
	args = append(args, ttl.Milliseconds(), rec.Active.UnixNano())
	for _, k := range ch.DataDel {
		args = append(args, dataField(k))
	}
	for _, k := range ch.FlashDel {
		args = append(args, flashField(k))
	}
	alive, err := deleteFieldsScript.Run(ctx, d.c, []string{key}, args...).Int()
	if err != nil {
		return "", fmt.Errorf("sessgen/redis: deleting session values: %w", err)
	}
	if alive == 0 {
		return "", nil
	}
	return rec.ID, nil
}
