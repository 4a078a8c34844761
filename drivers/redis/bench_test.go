package redis_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// benchCycle runs sessiontest's benchmark cycle against a local
// redis-server. Besides time and allocations it reports the Redis commands
// and round trips per request.
func benchCycle(b *testing.B, readOnly bool) {
	srv := redistest.Start(b)
	c, n := newClient(b, srv.Addr)
	m, err := runtime.NewManager(newDriver(b, c), runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	cycle := sessiontest.NewCycle(b, m, readOnly)
	cycle.Serve(b) // loads the save script into the server
	n.take()
	b.ReportAllocs()
	for b.Loop() {
		cycle.Serve(b)
	}
	b.StopTimer()
	trips, cmds := n.take()
	b.ReportMetric(float64(len(cmds))/float64(b.N), "cmds/op")
	b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
}

// BenchmarkCycle is one full request with the Redis driver: HGETALL, read
// two values, write one with one EVALSHA.
func BenchmarkCycle(b *testing.B) { benchCycle(b, false) }

// BenchmarkCycleReadOnly is the same request without the write: one HGETALL
// and nothing written.
func BenchmarkCycleReadOnly(b *testing.B) { benchCycle(b, true) }

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
