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
	ns      string // the namespace
	prefix  string // "<namespace>:session:"
	timeout time.Duration
	// single is true when every key lives on one server, so a script may
	// touch two sessions' keys. It is decided from the client's Go type.
	single bool
}

// Field names in a session's hash.
const (
	fieldCreated = "c"  // creation time, Unix nanoseconds
	fieldActive  = "a"  // last recorded activity, Unix nanoseconds
	fieldOwner   = "o"  // the owner, if any
	fieldHandle  = "h"  // the handle, while there is an owner
	fieldDevice  = "v"  // the device label, if any
	fieldPersist = "p"  // "1" or "-1": the session's persistence choice, if any
	fieldEnds    = "e"  // the session's deadline, Unix nanoseconds
	fieldLock    = "l"  // "<token>:<expiry in ms>": the lock of an Exclusive request
	dataPrefix   = "d:" // followed by a data key: its msgpack value
	flashPrefix  = "f:" // followed by a flash key: its msgpack value
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
	return &Driver{c: client, ns: ns, prefix: ns + ":session:", timeout: opts.Timeout, single: single}, nil
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
	ctx, cancel := d.bound(ctx)
	defer cancel()
	m, err := d.c.HGetAll(ctx, d.Key(token)).Result()
	if err != nil {
		return nil, d.fail("loading session: HGETALL", err)
	}
	return decode(token, m), nil
}

// bound returns ctx bounded by Options.Timeout, if one is set.
func (d *Driver) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d.timeout > 0 {
		return context.WithTimeout(ctx, d.timeout)
	}
	return ctx, func() {}
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
	rec := &runtime.Record{ID: id, Created: created, Active: active, Owner: m[fieldOwner], Device: m[fieldDevice]}
	rec.Deadline, _ = parseTime(m[fieldEnds])
	if rec.Owner != "" {
		rec.Handle = m[fieldHandle]
	}
	switch m[fieldPersist] {
	case "1":
		rec.Persist = 1
	case "-1":
		rec.Persist = -1
	}
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

// fail wraps err, the failure of the command doing what. A command that got
// no reply from Redis (a refused connection, a timeout) also makes a Cluster
// client reload its slot map: go-redis reloads it on a MOVED reply, or every
// ClusterOptions.ClusterStateReloadInterval (a minute by default), and until
// then keeps sending a dead master's slots to the dead master, which sends
// no MOVED. Without the reload, the sessions on a failed master would fail
// for up to a minute after its replica took over. go-redis runs one reload
// at a time.
func (d *Driver) fail(what string, err error) error {
	var reply goredis.Error
	if cc, ok := d.c.(*goredis.ClusterClient); ok && !errors.As(err, &reply) {
		cc.ReloadState(context.Background())
	}
	return fmt.Errorf("sessgen/redis: %s: %w", what, err)
}
