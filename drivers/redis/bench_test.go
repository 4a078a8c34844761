package redis_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/runtime"
)

// benchCycle runs the cookie driver's benchmark request cycle against a
// local redis-server: an existing session cookie arrives, the handler reads
// an int64 and a string and (unless readOnly) writes a []string of three.
// Besides time and allocations it reports the Redis commands (MULTI and EXEC
// included) and round trips per request.
func benchCycle(b *testing.B, readOnly bool) {
	srv := redistest.Start(b)
	c, n := newClient(b, srv.Addr)
	m, err := runtime.NewManager(newDriver(b, c), runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	list := []string{"apple", "banana", "cherry"}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			b.Fatal(err)
		}
		id, _ := runtime.Lookup(s, "cart_id", i64)
		name, _ := runtime.Lookup(s, "user", str)
		if id == 0 || name == "" {
			b.Fatal("session values missing")
		}
		if !readOnly {
			runtime.Store(s, "items", list, strs)
		}
	}))
	setup := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "cart_id", 1234567, i64)
		runtime.Store(s, "user", "ada@example.com", str)
		runtime.Store(s, "items", list, strs)
	}))
	rec := httptest.NewRecorder()
	setup.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cookie := rec.Result().Cookies()[0]
	header := cookie.Name + "=" + cookie.Value
	n.take()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/cart", nil)
		r.Header.Set("Cookie", header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
	b.StopTimer()
	trips, cmds := n.take()
	b.ReportMetric(float64(len(cmds))/float64(b.N), "cmds/op")
	b.ReportMetric(float64(trips)/float64(b.N), "roundtrips/op")
}

// BenchmarkCycle is one full request with the Redis driver: HGETALL, read
// two values, write one in a MULTI/EXEC transaction.
func BenchmarkCycle(b *testing.B) { benchCycle(b, false) }

// BenchmarkCycleReadOnly is the same request without the write: one HGETALL
// and nothing written.
func BenchmarkCycleReadOnly(b *testing.B) { benchCycle(b, true) }

// BenchmarkFloor is go-redis's own share of the cycle: the same HGETALL and
// MULTI/HSET/PEXPIRE/EXEC issued directly, without HTTP or sessgen.
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
		_, err := c.TxPipelined(ctx, func(p goredis.Pipeliner) error {
			p.HSet(ctx, key, "a", "2", "d:items", val)
			p.PExpire(ctx, key, 3600000)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
