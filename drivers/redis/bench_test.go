package redis_test

import (
	"context"
	"net/http"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// benchCycle runs sessiontest's benchmark cycle against a local
// redis-server, with the given write, through Exclusive if exclusive is
// set. Besides time and allocations it reports the Redis commands and
// round trips per request.
func benchCycle(b *testing.B, write int, exclusive bool) {
	srv := redistest.Start(b)
	c, n := newClient(b, srv.Addr)
	m, err := runtime.NewManager(newDriver(b, c), runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	var wrap func(http.Handler) http.Handler
	if exclusive {
		wrap = m.Exclusive
	}
	cycle := sessiontest.NewCycleOf(b, m, write, wrap)
	if err := redis.LoadScript(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	cycle.Serve(b)
	n.take()
	b.ReportAllocs()
	for b.Loop() {
		cycle.Serve(b)
	}
	b.StopTimer()
	report(b, n)
}

// report adds the Redis commands and round trips per operation.
func report(b *testing.B, n *counter) {
	trips, cmds := n.take()
	b.ReportMetric(float64(len(cmds))/float64(b.N), "cmds/op")
	b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
}

// BenchmarkCycle is one full request with the Redis driver: HGETALL, read
// two values, write one with one EVALSHA.
func BenchmarkCycle(b *testing.B) { benchCycle(b, sessiontest.Store, false) }

// BenchmarkCycleReadOnly is the same request without the write: one HGETALL
// and nothing written.
func BenchmarkCycleReadOnly(b *testing.B) { benchCycle(b, sessiontest.Read, false) }

// BenchmarkCycleIncrement writes with an increment instead: the same round
// trips, the addition applied in the script.
func BenchmarkCycleIncrement(b *testing.B) { benchCycle(b, sessiontest.Increment, false) }

// BenchmarkCycleExclusive is BenchmarkCycle through Manager.Exclusive,
// uncontended: the lock is taken with the load and released with the save.
func BenchmarkCycleExclusive(b *testing.B) { benchCycle(b, sessiontest.Store, true) }

// BenchmarkLogin is a login: Regenerate and SetOwner on a session that has
// values, which moves the session to a new ID and its owner index entry
// with it, in the save script's one run.
func BenchmarkLogin(b *testing.B) {
	srv := redistest.Start(b)
	c, n := newClient(b, srv.Addr)
	a := newApp(b, newDriver(b, c))
	if err := redis.LoadScript(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "cart", "book", str) })
	login := func(_ http.ResponseWriter, s *runtime.Session) {
		s.Regenerate()
		s.SetOwner("user-42")
		s.SetDevice("Firefox on Linux")
	}
	n.take()
	b.ReportAllocs()
	for b.Loop() {
		_, cookie = a.do(cookie, login)
	}
	b.StopTimer()
	report(b, n)
}

// BenchmarkSessions10 lists an owner's 10 sessions from a request of one of
// them.
func BenchmarkSessions10(b *testing.B) {
	srv := redistest.Start(b)
	c, n := newClient(b, srv.Addr)
	a := newApp(b, newDriver(b, c))
	if err := redis.LoadScript(context.Background(), c); err != nil {
		b.Fatal(err)
	}
	cookies := loginN(a, "user-42", 10)
	list := func(_ http.ResponseWriter, s *runtime.Session) {
		if l, err := a.m.Sessions(context.Background(), "user-42"); err != nil || len(l) != 10 {
			b.Fatalf("listed %d, %v", len(l), err)
		}
	}
	n.take()
	b.ReportAllocs()
	for b.Loop() {
		a.do(cookies[0], list)
	}
	b.StopTimer()
	report(b, n)
}

// BenchmarkFloor is go-redis's own share of the cycle: an HGETALL and one
// EVALSHA of a script writing the same fields, issued directly, without HTTP
// or sessgen.
func BenchmarkFloor(b *testing.B) {
	srv := redistest.Start(b)
	c, _ := newClient(b, srv.Addr)
	ctx := context.Background()
	key := "test:session:" + runtime.NewID()
	c.HSet(ctx, key, "c", "1", "a", "1", "d:cart_id", "\xce\x00\x12\xd6\x87", "d:user", "\xafada@example.com")
	val := []byte("\x93\xa5apple\xa6banana\xa6cherry")
	b.ReportAllocs()
	for b.Loop() {
		if err := c.HGetAll(ctx, key).Err(); err != nil {
			b.Fatal(err)
		}
		if err := floorScript.Run(ctx, c, []string{key}, 3600000, "a", "2", "d:items", val).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

var floorScript = goredis.NewScript(`
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`)
