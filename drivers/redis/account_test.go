package redis_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"

	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/runtime"
)

// TestLuaIncrementsMatchApply: the save script's increments, computed in
// Lua where numbers are doubles, write exactly the bytes of
// runtime.Increment.Apply, at the edges of every integer type and for
// stored values of every form, of the wrong type, and not integers.
func TestLuaIncrementsMatchApply(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	d := newDriver(t, c)
	ctx := context.Background()
	var olds [][]byte
	for _, v := range []any{int64(0), int64(1), int64(-1), int64(math.MaxInt64), int64(math.MinInt64), uint64(math.MaxUint64),
		uint64(1 << 63), int64(127), int64(-32), int64(-33), int64(128), int64(-128), int64(-129), int64(255), int64(256),
		int64(32767), int64(-32768), int64(65535), int64(65536), int64(1<<31 - 1), int64(-1 << 31), int64(1<<32 - 1),
		int64(1 << 32), "x", 1.5, nil, true} {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		olds = append(olds, b)
	}
	olds = append(olds, []byte{0xd0, 0x05}, []byte{0xcd, 0x00, 0x01}, []byte{0xd3, 0, 0, 0, 0, 0, 0, 0, 9}, []byte{0xcc}, nil)
	bys := []int64{1, -1, 2, -2, 100, math.MaxInt64, math.MinInt64, 1 << 31, -(1 << 31), 1 << 32, 255, -255}
	for i, old := range olds {
		for _, bits := range []int{8, 16, 32, 64} {
			for _, signed := range []bool{true, false} {
				id := runtime.NewID()
				rec := &runtime.Record{ID: id, Created: time.Now(), Active: time.Now(), Expires: time.Now().Add(time.Hour),
					Data: map[string][]byte{}}
				ch := &runtime.Changes{New: true}
				for j := range bys {
					key := fmt.Sprint("k", j)
					if old != nil {
						rec.Data[key] = old
						ch.DataSet = append(ch.DataSet, key)
					}
				}
				rec.Data["keep"] = []byte{1}
				ch.DataSet = append(ch.DataSet, "keep")
				if _, err := d.Save(ctx, "session", rec, ch); err != nil {
					t.Fatal(err)
				}
				ch = &runtime.Changes{}
				for j, by := range bys {
					ch.DataAdd = append(ch.DataAdd, runtime.Increment{Key: fmt.Sprint("k", j), By: uint64(by), Bits: bits, Signed: signed})
				}
				if _, err := d.Save(ctx, "session", rec, ch); err != nil {
					t.Fatal(err)
				}
				got, err := d.Load(ctx, "session", id)
				if err != nil {
					t.Fatal(err)
				}
				for _, inc := range ch.DataAdd {
					if want := inc.Apply(old); !bytes.Equal(got.Data[inc.Key], want) {
						t.Errorf("old %d (% x) + %d as %d-bit signed=%v: Lua wrote % x, Apply % x",
							i, old, int64(inc.By), bits, signed, got.Data[inc.Key], want)
					}
				}
			}
		}
	}
}

// TestIncrementAndExclusiveRoundTrips: a request that increments pays
// nothing beyond a write's round trips; an uncontended Exclusive request
// takes its lock with the load and releases it with the save (no extra
// round trip), and one that writes nothing releases it with one command.
func TestIncrementAndExclusiveRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	c, n := newClient(t, srv.Addr)
	if err := redis.LoadScript(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	a := newApp(t, newDriver(t, c))
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "n", int64(1), i64) })
	n.take()
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Add(s, "n", 1, i64) })
	if trips, cmds := n.take(); trips != 2 || !slices.Equal(cmds, []string{"hgetall", "evalsha"}) {
		t.Errorf("increment: %d round trips %v, want hgetall and one evalsha", trips, cmds)
	}
	inner := a.h
	a.h = a.m.Middleware(a.m.Exclusive(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			t.Error(err)
			return
		}
		if step, ok := r.Context().Value(stepCtxKey{}).(stepFunc); ok {
			step(w, s)
		}
	})))
	defer func() { a.h = inner }()
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Add(s, "n", 1, i64) })
	if trips, cmds := n.take(); trips != 2 || !slices.Equal(cmds, []string{"evalsha", "evalsha"}) {
		t.Errorf("uncontended Exclusive write: %d round trips %v, want the locking load and the save", trips, cmds)
	}
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Lookup(s, "n", i64) })
	if trips, cmds := n.take(); trips != 2 || !slices.Equal(cmds, []string{"evalsha", "evalsha"}) {
		t.Errorf("uncontended Exclusive read: %d round trips %v, want the locking load and the unlock", trips, cmds)
	}
	if got := hget(t, c, newDriver(t, c).Key(cookie), "l"); got != "" {
		t.Errorf("lock field left behind: %q", got)
	}
	var v int64
	a.h = inner
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { v, _ = runtime.Lookup(s, "n", i64) })
	if v != 3 {
		t.Errorf("n = %d after two increments of 1, want 3", v)
	}
}

func hget(t *testing.T, c goredis.UniversalClient, key, field string) string {
	t.Helper()
	v, err := c.HGet(context.Background(), key, field).Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		t.Fatal(err)
	}
	return v
}

// loginN signs n browsers in as owner and returns their cookies.
func loginN(a *app, owner string, n int) []string {
	cookies := make([]string, n)
	for i := range cookies {
		_, cookies[i] = a.do("", func(_ http.ResponseWriter, s *runtime.Session) {
			s.SetOwner(owner)
			s.SetDevice(fmt.Sprint("device ", i))
		})
	}
	return cookies
}

// TestListingIsBoundedInRoundTrips: listing 100 sessions of one owner is
// one call of a fixed number of round trips, on a single server and on
// Cluster, whose sessions spread over its three nodes; the keyspace is
// never scanned.
func TestListingIsBoundedInRoundTrips(t *testing.T) {
	for _, topo := range []string{"standalone", "cluster"} {
		t.Run(topo, func(t *testing.T) {
			var c goredis.UniversalClient
			var n *counter
			if topo == "cluster" {
				c, n = newClusterClient(t, redistest.StartCluster(t))
			} else {
				c, n = newClient(t, redistest.Start(t).Addr)
			}
			if err := redis.LoadScript(context.Background(), c); err != nil {
				t.Fatal(err)
			}
			a := newApp(t, newDriver(t, c))
			cookies := loginN(a, "ada", 100)
			n.take()
			var list []runtime.SessionInfo
			var err error
			a.do(cookies[7], func(_ http.ResponseWriter, s *runtime.Session) { list, err = a.m.Sessions(context.Background(), "ada") })
			trips, cmds := n.take()
			if err != nil || len(list) != 100 {
				t.Fatalf("listed %d sessions, %v; want 100", len(list), err)
			}
			if slices.Contains(cmds, "scan") || slices.Contains(cmds, "keys") {
				t.Errorf("listing scanned the keyspace: %v", cmds)
			}
			// The request's load, the index read, the sessions' read (one
			// pipeline, split by node on Cluster, sent together).
			if trips > 3 {
				t.Errorf("listing 100 sessions took %d round trips (%d commands), want at most 3 with the load", trips, len(cmds))
			}
			t.Logf("%s: %d round trips, %d commands for 100 sessions", topo, trips, len(cmds))
		})
	}
}

// TestIndexEntriesOfEndedSessionsArePruned: sessions that expired by TTL
// are never listed and their entries leave the index.
func TestIndexEntriesOfEndedSessionsArePruned(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	d := newDriver(t, c)
	m, err := runtime.NewManager(d, runtime.Options{}) // its timeouts leave expiry to the hashes' TTL
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	save := func(owner string, ttl time.Duration) {
		now := time.Now()
		rec := &runtime.Record{ID: runtime.NewID(), Created: now, Active: now, Expires: now.Add(ttl), Deadline: now.Add(time.Hour),
			Owner: owner, Handle: runtime.NewID()[:22]}
		if _, err := d.Save(ctx, "session", rec, &runtime.Changes{New: true, Reindex: true, OwnerSet: true}); err != nil {
			t.Fatal(err)
		}
	}
	save("ada", 300*time.Millisecond)
	save("ada", 300*time.Millisecond)
	save("ada", time.Hour)
	idx := indexKeys(t, c)
	if len(idx) != 1 {
		t.Fatalf("index keys %v, want one", idx)
	}
	if n, _ := c.ZCard(ctx, idx[0]).Result(); n != 3 {
		t.Fatalf("index holds %d entries, want 3", n)
	}
	time.Sleep(500 * time.Millisecond) // Redis expires two of the hashes
	list, err := m.Sessions(ctx, "ada")
	if err != nil || len(list) != 1 {
		t.Fatalf("listed %d sessions (%v), want the one still alive", len(list), err)
	}
	if n, _ := c.ZCard(ctx, idx[0]).Result(); n != 1 {
		t.Errorf("index holds %d entries after listing, want 1", n)
	}
}

// sessionKeys counts the session hashes of the test namespace, on every
// master of a Cluster.
func sessionKeys(t *testing.T, c goredis.UniversalClient) int {
	t.Helper()
	n := 0
	count := func(ctx context.Context, c *goredis.Client) error {
		keys, err := c.Keys(ctx, "test:session:*").Result()
		n += len(keys)
		return err
	}
	var err error
	if cc, ok := c.(*goredis.ClusterClient); ok {
		var mu sync.Mutex
		err = cc.ForEachMaster(context.Background(), func(ctx context.Context, m *goredis.Client) error {
			mu.Lock()
			defer mu.Unlock()
			return count(ctx, m)
		})
	} else {
		err = count(context.Background(), c.(*goredis.Client))
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// indexKeys returns the owner index keys of the test namespace.
func indexKeys(t *testing.T, c goredis.UniversalClient) []string {
	t.Helper()
	keys, err := c.Keys(context.Background(), "test:owner:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestOwnerIndexKeysAreHashes: whatever the owner, its index is one key of
// the namespace named by a SHA-256 digest: no brace can pin it to a
// Cluster slot, and no byte of the owner reaches a key name.
func TestOwnerIndexKeysAreHashes(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	a := newApp(t, newDriver(t, c))
	owners := []string{"{x}", "*", "a\r\nb", "a\x00", "test:session:" + runtime.NewID(), string(bytes.Repeat([]byte{0xff}, 512))}
	for _, o := range owners {
		loginN(a, o, 1)
	}
	keys := indexKeys(t, c)
	if len(keys) != len(owners) {
		t.Fatalf("%d index keys for %d owners: %q", len(keys), len(owners), keys)
	}
	digest := regexp.MustCompile(`^test:owner:[0-9a-f]{64}$`)
	for _, k := range keys {
		if !digest.MatchString(k) {
			t.Errorf("index key %q", k)
		}
	}
}

// TestClusterLoginFailureLeavesNoLiveUnlistedSession: on Cluster the index
// entry is written before the session; when the session's write fails
// after it, the login fails and the dangling entry is pruned, never listed.
func TestClusterLoginFailureLeavesNoLiveUnlistedSession(t *testing.T) {
	c, _ := newClusterClient(t, redistest.StartCluster(t))
	f := new(failSaveScript)
	c.AddHook(f)
	a := newApp(t, newDriver(t, c))
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "cart", "book", str) })
	f.on.Store(true)
	w, _ := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate(); s.SetOwner("ada") })
	f.on.Store(false)
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("failed login: status %d, want 503", w.Code)
	}
	a.takeErrs()
	if list, err := a.m.Sessions(context.Background(), "ada"); err != nil || len(list) != 0 {
		t.Errorf("after a failed login ada lists %d sessions (%v)", len(list), err)
	}
	if n := sessionKeys(t, c); n != 0 {
		t.Errorf("%d session keys left after a failed login, want none (the old session ended)", n)
	}
}

// failSaveScript is a go-redis hook that fails runs of the save script
// (not the other scripts) while on.
type failSaveScript struct{ on atomic.Bool }

func (f *failSaveScript) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (f *failSaveScript) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if args := cmd.Args(); f.on.Load() && cmd.Name() == "evalsha" && len(args) > 1 && args[1] == redis.SaveScriptHash {
			err := errors.New("injected failure")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (f *failSaveScript) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
