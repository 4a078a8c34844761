package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	scsredis "github.com/alexedwards/scs/redisstore"
	"github.com/gomodule/redigo/redis"
	rbredis "github.com/rbcervilla/redisstore/v9"
	goredis "github.com/redis/go-redis/v9"

	sessredis "github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/internal/redistest"
)

// redisEnv names the variable that points the benchmarks at a running
// redis-server (host:port), as ./run does. Without it every benchmark that
// needs Redis starts its own with internal/redistest.
const redisEnv = "SESSGEN_BENCH_REDIS"

// redisAddr returns the address of the redis-server to use.
func redisAddr(tb testing.TB) string {
	if a := os.Getenv(redisEnv); a != "" {
		return a
	}
	return redistest.Start(tb).Addr
}

// A probe measures what a Redis case costs besides wall time: the commands
// the client sent and the round trips it made (counted by a go-redis hook or
// a wrapped redigo connection; MULTI and EXEC are commands), the commands the
// server executed (INFO commandstats, which also counts what a Lua script
// calls), and CPU time, the benchmark process's (getrusage) and the server's
// (INFO cpu).
type probe struct {
	addr  string
	cmds  atomic.Int64
	trips atomic.Int64
}

// A snapshot is the probe's counters at one instant.
type snapshot struct {
	srvCmds map[string]int64 // calls per command, from INFO commandstats
	cmds    int64
	trips   int64
	cpu     time.Duration // this process, user+sys
	srvCPU  time.Duration // redis-server, user+sys
}

func (p *probe) snapshot(tb testing.TB) snapshot {
	tb.Helper()
	s := snapshot{cpu: processCPU(), cmds: p.cmds.Load(), trips: p.trips.Load()}
	var err error
	if s.srvCmds, err = commandStats(p.addr); err != nil {
		tb.Fatal(err)
	}
	if s.srvCPU, err = serverCPU(p.addr); err != nil {
		tb.Fatal(err)
	}
	return s
}

// report adds the per-request metrics between two snapshots to b's result.
func (p *probe) report(b *testing.B, before, after snapshot) {
	n := float64(b.N)
	b.ReportMetric(float64(after.cmds-before.cmds)/n, "cmds/op")
	b.ReportMetric(float64(after.trips-before.trips)/n, "roundtrips/op")
	b.ReportMetric(float64(sum(delta(before.srvCmds, after.srvCmds)))/n, "srv-cmds/op")
	b.ReportMetric(float64(after.cpu-before.cpu)/n, "cpu-ns/op")
	b.ReportMetric(float64(after.srvCPU-before.srvCPU)/n, "srv-cpu-ns/op")
}

// uncounted reports whether a command is the probe's own or a connection's
// set-up rather than part of a request.
func uncounted(name string) bool {
	switch name {
	case "info", "hello", "auth", "select", "ping":
		return true
	}
	return strings.HasPrefix(name, "client")
}

// commandStats returns the calls per command name (lower case, "client|setinfo"
// style for subcommands) from INFO commandstats.
func commandStats(addr string) (map[string]int64, error) {
	info, err := redistest.Do(addr, "INFO", "commandstats")
	if err != nil {
		return nil, fmt.Errorf("INFO commandstats: %w", err)
	}
	m := make(map[string]int64)
	for line := range strings.Lines(info) {
		rest, ok := strings.CutPrefix(strings.TrimSpace(line), "cmdstat_")
		if !ok {
			continue
		}
		name, fields, _ := strings.Cut(rest, ":")
		for f := range strings.SplitSeq(fields, ",") {
			if v, ok := strings.CutPrefix(f, "calls="); ok {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("INFO commandstats: %q: %w", line, err)
				}
				m[name] = n
			}
		}
	}
	return m, nil
}

// delta returns the calls per counted command between two commandStats.
func delta(before, after map[string]int64) map[string]int64 {
	d := make(map[string]int64)
	for name, n := range after {
		if n -= before[name]; n != 0 && !uncounted(name) {
			d[name] = n
		}
	}
	return d
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// serverCPU returns the server's used_cpu_user + used_cpu_sys.
func serverCPU(addr string) (time.Duration, error) {
	info, err := redistest.Do(addr, "INFO", "cpu")
	if err != nil {
		return 0, fmt.Errorf("INFO cpu: %w", err)
	}
	var total time.Duration
	for line := range strings.Lines(info) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			s, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return 0, fmt.Errorf("INFO cpu: %q: %w", line, err)
			}
			total += time.Duration(s * float64(time.Second))
		}
	}
	return total, nil
}

// tripHook is a go-redis hook that counts commands and round trips: one per
// command sent alone, one per pipeline or transaction. Connection set-up
// (HELLO, CLIENT SETINFO, ...) is not counted.
type tripHook struct{ p *probe }

func (h tripHook) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (h tripHook) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if !uncounted(cmd.Name()) {
			h.p.cmds.Add(1)
			h.p.trips.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (h tripHook) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		var n int64
		for _, c := range cmds {
			if !uncounted(c.Name()) {
				n++
			}
		}
		if n > 0 {
			h.p.cmds.Add(n)
			h.p.trips.Add(1)
		}
		return next(ctx, cmds)
	}
}

// goRedis returns a go-redis client for the probe's server, with the
// counting hook, closed when the benchmark ends.
func (p *probe) goRedis(tb testing.TB) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: p.addr})
	tb.Cleanup(func() { c.Close() })
	c.AddHook(tripHook{p})
	return c
}

// tripConn wraps a redigo connection and counts commands and round trips: a
// Do with a command, or one that flushes commands queued with Send, is one
// round trip; so is a Flush of queued commands.
type tripConn struct {
	redis.Conn
	p       *probe
	pending int // commands sent but not yet flushed
}

func (c *tripConn) Send(cmd string, args ...any) error {
	c.p.cmds.Add(1)
	c.pending++
	return c.Conn.Send(cmd, args...)
}

func (c *tripConn) Flush() error {
	c.flushed()
	return c.Conn.Flush()
}

func (c *tripConn) Do(cmd string, args ...any) (any, error) {
	if cmd != "" {
		c.p.cmds.Add(1)
		c.pending++
	}
	c.flushed()
	return c.Conn.Do(cmd, args...)
}

func (c *tripConn) flushed() {
	if c.pending > 0 {
		c.p.trips.Add(1)
		c.pending = 0
	}
}

// redigoPool returns a redigo pool for the probe's server whose connections
// count round trips, closed when the benchmark ends.
func (p *probe) redigoPool(tb testing.TB) *redis.Pool {
	pool := &redis.Pool{
		MaxIdle: 8,
		Dial: func() (redis.Conn, error) {
			c, err := redis.Dial("tcp", p.addr)
			if err != nil {
				return nil, err
			}
			return &tripConn{Conn: c, p: p}, nil
		},
	}
	tb.Cleanup(func() { pool.Close() })
	return pool
}

func newProbe(tb testing.TB) *probe { return &probe{addr: redisAddr(tb)} }

// sessgenRedis is sessgen with its Redis driver on go-redis.
func sessgenRedis(b testing.TB, write bool) setup {
	p := newProbe(b)
	d, err := sessredis.New(p.goRedis(b), sessredis.Options{Namespace: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	s := sessgenCase(b, d, write)
	s.probe = p
	s.sameCookie = true
	return s
}

// scsRedisstore is scs with its redisstore on redigo.
func scsRedisstore(b testing.TB, write bool) setup {
	p := newProbe(b)
	s := scsCase(b, scsredis.NewWithPrefix(p.redigoPool(b), "scs:"), write)
	s.probe = p
	return s
}

// gorillaRedisstore is gorilla/sessions with rbcervilla/redisstore on
// go-redis.
func gorillaRedisstore(b testing.TB, write bool) setup {
	p := newProbe(b)
	store, err := rbredis.NewRedisStore(context.Background(), p.goRedis(b))
	if err != nil {
		b.Fatal(err)
	}
	store.KeyPrefix("gorilla:")
	s := gorillaCase(b, store, write)
	s.probe = p
	return s
}
