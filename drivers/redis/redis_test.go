package redis_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

func TestSuiteStandalone(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	sessiontest.Run(t, func(t *testing.T) runtime.Driver { return newDriver(t, c) })
	sessiontest.RunServerSide(t, func(t *testing.T) runtime.Driver { return newDriverIn(t, c, t.Name()) })
}

func TestSuiteCluster(t *testing.T) {
	cl := redistest.StartCluster(t)
	c, _ := newClusterClient(t, cl)
	sessiontest.Run(t, func(t *testing.T) runtime.Driver { return newDriver(t, c) })
	sessiontest.RunServerSide(t, func(t *testing.T) runtime.Driver { return newDriverIn(t, c, t.Name()) })
}

// TestSuiteSentinel reaches the master through a Sentinel, with go-redis's
// failover client, as a Sentinel deployment would.
func TestSuiteSentinel(t *testing.T) {
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, "sessions", master.Addr)
	c := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: "sessions", SentinelAddrs: []string{sentinel.Addr}})
	t.Cleanup(func() { c.Close() })
	sessiontest.Run(t, func(t *testing.T) runtime.Driver { return newDriver(t, c) })
	sessiontest.RunServerSide(t, func(t *testing.T) runtime.Driver { return newDriverIn(t, c, t.Name()) })
	// The data really went to the master the Sentinel named.
	if n, err := redistest.Do(master.Addr, "DBSIZE"); err != nil || n == "0" {
		t.Errorf("master holds %s keys (%v), want the suite's sessions", n, err)
	}
}

func TestNewOptions(t *testing.T) {
	c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1"})
	defer c.Close()
	if _, err := redis.New(nil, redis.Options{}); err == nil {
		t.Error("New(nil client) succeeded")
	}
	if _, err := redis.New(c, redis.Options{Namespace: "a{b}"}); err == nil {
		t.Error("New accepted a namespace with a hash tag")
	}
	if _, err := redis.New(c, redis.Options{Timeout: -1}); err == nil {
		t.Error("New accepted a negative Timeout")
	}
	d, err := redis.New(c, redis.Options{})
	if err != nil {
		t.Fatal(err)
	}

	// A Timeout needs a client that applies context deadlines to its socket
	// I/O; go-redis does only with ContextTimeoutEnabled.
	cluster := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer cluster.Close()
	failover := goredis.NewFailoverClient(&goredis.FailoverOptions{MasterName: "m", SentinelAddrs: []string{"127.0.0.1:1"}})
	defer failover.Close()
	ring := goredis.NewRing(&goredis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	for name, client := range map[string]goredis.UniversalClient{
		"Client": c, "ClusterClient": cluster, "failover Client": failover, "Ring": ring,
	} {
		if _, err := redis.New(client, redis.Options{Timeout: time.Second}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
			t.Errorf("New(%s without ContextTimeoutEnabled, Timeout 1s) = %v; want an error naming ContextTimeoutEnabled", name, err)
		}
	}
	withCtx := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", ContextTimeoutEnabled: true})
	defer withCtx.Close()
	clusterWithCtx := goredis.NewClusterClient(&goredis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	defer clusterWithCtx.Close()
	for name, client := range map[string]goredis.UniversalClient{
		"Client": withCtx, "ClusterClient": clusterWithCtx,
		"unknown client type": struct{ goredis.UniversalClient }{c}, // New cannot look inside
	} {
		if _, err := redis.New(client, redis.Options{Timeout: time.Second}); err != nil {
			t.Errorf("New(%s, Timeout 1s): %v", name, err)
		}
	}

	id := runtime.NewID()
	if got, want := d.Key(id), "sessgen:session:"+id; got != want {
		t.Errorf("Key = %q, want %q", got, want)
	}
}

// TestLayout checks what a saved session looks like in Redis, and that Load
// reads it back.
func TestLayout(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	d := newDriver(t, c)
	ctx := context.Background()
	now := time.Now()
	rec := &runtime.Record{
		ID: runtime.NewID(), Created: now.Add(-time.Minute), Active: now, Expires: now.Add(30 * time.Minute),
		Data:  map[string][]byte{"user.id": {0x2a}, "cart": {0x90}},
		Flash: map[string][]byte{"notice": {0xa2, 'h', 'i'}},
	}
	tok, err := d.Save(ctx, "session", rec, &runtime.Changes{Cleared: true, New: true})
	if err != nil || tok != rec.ID {
		t.Fatalf("Save = %q, %v; want the ID", tok, err)
	}
	key := "test:session:" + rec.ID
	h, err := c.HGetAll(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"c": strconv.FormatInt(rec.Created.UnixNano(), 10), "a": strconv.FormatInt(now.UnixNano(), 10),
		"d:user.id": "\x2a", "d:cart": "\x90", "f:notice": "\xa2hi",
	}
	if fmt.Sprint(h) != fmt.Sprint(want) {
		t.Errorf("hash = %q, want %q", h, want)
	}
	if ttl := c.PTTL(ctx, key).Val(); ttl <= 29*time.Minute || ttl > 30*time.Minute {
		t.Errorf("PTTL = %v, want about 30m", ttl)
	}

	got, err := d.Load(ctx, "session", rec.ID)
	if err != nil || got == nil {
		t.Fatalf("Load = %v, %v", got, err)
	}
	if !got.Created.Equal(rec.Created) || !got.Active.Equal(rec.Active) ||
		fmt.Sprint(got.Data) != fmt.Sprint(rec.Data) || fmt.Sprint(got.Flash) != fmt.Sprint(rec.Flash) {
		t.Errorf("Load = %+v, want %+v", got, rec)
	}

	// A hash without its creation time is a remnant, not a session.
	c.HDel(ctx, key, "c")
	if got, err := d.Load(ctx, "session", rec.ID); got != nil || err != nil {
		t.Errorf("Load of a hash without creation time = %v, %v; want nil, nil", got, err)
	}
	if got, err := d.Load(ctx, "session", runtime.NewID()); got != nil || err != nil {
		t.Errorf("Load of an unknown ID = %v, %v; want nil, nil", got, err)
	}
}

// TestConcurrentWrites sends 50 requests at once on one session, each
// writing its own key. All 50 must persist. A store that writes the session
// as one blob (as scs/redisstore, boj/redistore and rbcervilla/redisstore
// do) fails this: every request saves the keys it loaded plus its own, and
// the last save overwrites the others.
func TestConcurrentWrites(t *testing.T) {
	t.Run("Standalone", func(t *testing.T) {
		srv := redistest.Start(t)
		c, _ := newClient(t, srv.Addr)
		testConcurrentWrites(t, newDriver(t, c))
	})
	t.Run("Cluster", func(t *testing.T) {
		c, _ := newClusterClient(t, redistest.StartCluster(t))
		testConcurrentWrites(t, newDriver(t, c))
	})
}

func testConcurrentWrites(t *testing.T, d runtime.Driver) {
	a := newApp(t, d)
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "start", 1, i64) })
	if cookie == "" {
		t.Fatal("no cookie")
	}
	const n = 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			w, got := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
				runtime.Store(s, "k"+strconv.Itoa(i), int64(i), i64)
			})
			if w.Code != http.StatusOK || got != cookie {
				t.Errorf("request %d: status %d, cookie changed: %v", i, w.Code, got != cookie)
			}
		})
	}
	close(start)
	wg.Wait()
	var missing []string
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
		for i := range n {
			if v, ok := runtime.Lookup(s, "k"+strconv.Itoa(i), i64); !ok || v != int64(i) {
				missing = append(missing, strconv.Itoa(i))
			}
		}
	})
	if len(missing) > 0 {
		t.Errorf("%d of %d concurrent writes lost: keys %s", len(missing), n, strings.Join(missing, " "))
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// TestRoundTrips counts what each kind of request sends to Redis, with a
// go-redis hook and with the server's INFO commandstats.
func TestRoundTrips(t *testing.T) {
	srv := redistest.Start(t)
	c, n := newClient(t, srv.Addr)
	a := newApp(t, newDriver(t, c))
	ctx := context.Background()

	// The first save on a fresh server finds the script not loaded yet:
	// EVALSHA is refused with NOSCRIPT and go-redis sends EVAL, once.
	a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "warm", 1, i64) })
	trips, cmds := n.take()
	if want := []string{"evalsha", "eval"}; trips != 2 || !slices.Equal(cmds, want) {
		t.Errorf("first save on a fresh server: %d round trips %v, want 2 %v", trips, cmds, want)
	}

	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) {
		runtime.Store(s, "n", 1, i64)
		runtime.Flash(s, "notice", "hi", str)
	})
	trips, cmds = n.take()
	if want := []string{"evalsha"}; trips != 1 || !slices.Equal(cmds, want) {
		t.Errorf("new session: %d round trips %v, want 1 %v", trips, cmds, want)
	}

	// Loading = one HGETALL. The flash ages, so this request writes too:
	// one script run deleting the flash field.
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Lookup(s, "n", i64) })
	trips, cmds = n.take()
	if want := []string{"hgetall", "evalsha"}; trips != 2 || !slices.Equal(cmds, want) {
		t.Errorf("request ageing flash: %d round trips %v, want 2 %v", trips, cmds, want)
	}

	// Read only: one HGETALL, nothing written.
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	n.take()
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Lookup(s, "n", i64) })
	trips, cmds = n.take()
	if want := []string{"hgetall"}; trips != 1 || !slices.Equal(cmds, want) {
		t.Errorf("read-only request: %d round trips %v, want 1 %v", trips, cmds, want)
	}
	if got, want := commandStats(t, srv.Addr), "hgetall=1"; got != want {
		t.Errorf("read-only request: commandstats %s, want %s", got, want)
	}

	// A request that does not look at the session: nothing at all.
	a.do(cookie, func(http.ResponseWriter, *runtime.Session) {})
	// (The app's handler calls From, which loads; a handler that never calls
	// From would cost nothing. Here: one HGETALL and no write.)
	if trips, cmds = n.take(); trips != 1 || cmds[0] != "hgetall" {
		t.Errorf("untouched session: %d round trips %v, want 1 [hgetall]", trips, cmds)
	}

	// A write: one HGETALL and one atomic script run (inside Redis: HEXISTS,
	// HGET of the counter the increment applies to, HSET and PEXPIRE).
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	n.take()
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Add(s, "n", 1, i64) })
	trips, cmds = n.take()
	if want := []string{"hgetall", "evalsha"}; trips != 2 || !slices.Equal(cmds, want) {
		t.Errorf("write request: %d round trips %v, want 2 %v", trips, cmds, want)
	}
	if got, want := commandStats(t, srv.Addr), "evalsha=1 hexists=1 hget=1 hgetall=1 hset=1 pexpire=1"; got != want {
		t.Errorf("write request: commandstats %s, want %s", got, want)
	}

	// Once the recorded activity is older than the touch interval, a read
	// writes the activity time and the TTL.
	a.clock.Advance(2 * time.Minute)
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Lookup(s, "n", i64) })
	trips, cmds = n.take()
	if want := []string{"hgetall", "evalsha"}; trips != 2 || !slices.Equal(cmds, want) {
		t.Errorf("touch: %d round trips %v, want 2 %v", trips, cmds, want)
	}

	// Reset: the same script checks that the session still exists, keeps
	// another request's lock (HGET), deletes the hash and writes it again.
	if err := c.ConfigResetStat(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	n.take()
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Reset(); runtime.Store(s, "m", 1, i64) })
	trips, cmds = n.take()
	if want := []string{"hgetall", "evalsha"}; trips != 2 || !slices.Equal(cmds, want) {
		t.Errorf("reset: %d round trips %v, want 2 %v", trips, cmds, want)
	}
	if got, want := commandStats(t, srv.Addr), "del=1 evalsha=1 hexists=1 hget=1 hgetall=1 hset=1 pexpire=1"; got != want {
		t.Errorf("reset: commandstats %s, want %s", got, want)
	}

	// Regenerate on a single server: one script run checks that the old
	// hash exists, deletes it and writes the new one.
	_, cookie2 := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate() })
	trips, cmds = n.take()
	if want := []string{"hgetall", "evalsha"}; trips != 2 || !slices.Equal(cmds, want) {
		t.Errorf("regenerate: %d round trips %v, want 2 %v", trips, cmds, want)
	}
	if c.Exists(ctx, "test:session:"+cookie).Val() != 0 || c.Exists(ctx, "test:session:"+cookie2).Val() != 1 {
		t.Error("regenerate: the old hash survived or the new one is missing")
	}
	n.take()

	// A session that becomes empty: the same script deletes the fields and
	// then the hash.
	for range 2 {
		_, ck := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Flash(s, "notice", "hi", str) })
		n.take()
		_, ck = a.do(ck, func(_ http.ResponseWriter, s *runtime.Session) { runtime.LookupFlash(s, "notice", str) })
		trips, cmds = n.take()
		if ck != "" {
			t.Errorf("session emptied by flash ageing kept its cookie")
		}
		if want := []string{"hgetall", "evalsha"}; trips != 2 || !slices.Equal(cmds, want) {
			t.Errorf("emptying: %d round trips %v, want 2 %v", trips, cmds, want)
		}
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// commandStats returns the server's per-command call counts, without the
// CONFIG and INFO commands the test itself sends, as "name=calls ..." sorted.
func commandStats(t *testing.T, addr string) string {
	t.Helper()
	info, err := redistest.Do(addr, "INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(info, "\r\n") {
		name, rest, ok := strings.Cut(strings.TrimPrefix(line, "cmdstat_"), ":calls=")
		if !ok || name == "info" || strings.HasPrefix(name, "config") {
			continue
		}
		calls, _, _ := strings.Cut(rest, ",")
		out = append(out, name+"="+calls)
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// TestMalformedID checks that a cookie that is not a well-formed session ID
// reaches no Redis command.
func TestMalformedID(t *testing.T) {
	srv := redistest.Start(t)
	c, n := newClient(t, srv.Addr)
	d := newDriver(t, c)
	a := newApp(t, d)
	id := runtime.NewID()
	for _, tok := range []string{
		"x", id[:42], id + "A", strings.Repeat("A", 42) + "B", // B carries non-zero padding bits
		"../../etc", strings.Repeat("A", 42) + "*", "*", "{" + id[1:],
	} {
		rec, err := d.Load(context.Background(), "session", tok)
		if rec != nil || err != nil {
			t.Errorf("Load(%q) = %v, %v; want nil, nil", tok, rec, err)
		}
		a.do(tok, func(http.ResponseWriter, *runtime.Session) {})
		if trips, cmds := n.take(); trips != 0 {
			t.Errorf("token %q: %d round trips %v, want none", tok, trips, cmds)
		}
	}
	if _, err := d.Save(context.Background(), "session", &runtime.Record{ID: "bad"}, &runtime.Changes{}); err == nil {
		t.Error("Save with a malformed ID succeeded")
	}
	if trips, cmds := n.take(); trips != 0 {
		t.Errorf("Save with a malformed ID: %d round trips %v, want none", trips, cmds)
	}
}

// TestRedisDown stops the server mid-run: requests get the error path in
// bounded time, and succeed again with the same manager and client once the
// server is back on the same port.
func TestRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	a := newApp(t, newDriver(t, c))
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "n", 1, i64) })

	srv.Stop()
	for i := range 3 {
		start := time.Now()
		w, _ := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
			t.Error("handler ran its step without a session")
		})
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("request %d with Redis down took %v", i, el)
		}
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("request %d with Redis down: status %d, want 503", i, w.Code)
		}
		errs := a.takeErrs()
		if len(errs) != 1 || !errors.Is(errs[0], runtime.ErrLoad) {
			t.Errorf("request %d with Redis down: errors %v, want one wrapping runtime.ErrLoad", i, errs)
		}
	}

	// A save that fails goes to the error handler.
	w, _ := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "n", 1, i64) })
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("save with Redis down: status %d, want 503", w.Code)
	}
	if errs := a.takeErrs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrSave) {
		t.Errorf("save with Redis down: errors %v, want one wrapping runtime.ErrSave", errs)
	}

	srv.Restart() // an empty dataset: the old session is gone
	var had bool
	w, cookie2 := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
		_, had = runtime.Lookup(s, "n", i64)
		runtime.Store(s, "n", 2, i64)
	})
	if w.Code != http.StatusOK || had || cookie2 == "" || cookie2 == cookie {
		t.Fatalf("after restart: status %d, old value seen %v, new cookie %v", w.Code, had, cookie2 != cookie)
	}
	var n int64
	a.do(cookie2, func(_ http.ResponseWriter, s *runtime.Session) { n, _ = runtime.Lookup(s, "n", i64) })
	if n != 2 {
		t.Errorf("after restart: n = %d, want 2", n)
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// TestTimeoutOption checks Options.Timeout against a server that is busy
// (DEBUG SLEEP) and answers nothing meanwhile: Load and Save fail within
// the timeout, a request through the manager gets the error path, and once
// the server answers again so do requests.
func TestTimeoutOption(t *testing.T) {
	srv := redistest.Start(t)
	// The recommended fast-fail settings (see the package documentation),
	// with a read timeout longer than the driver's Timeout, so that the
	// latter is what fires.
	c := goredis.NewClient(&goredis.Options{
		Addr:                  srv.Addr,
		DialTimeout:           time.Second,
		ReadTimeout:           2 * time.Second,
		WriteTimeout:          2 * time.Second,
		MaxRetries:            1,
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { c.Close() })
	const timeout = 100 * time.Millisecond
	d, err := redis.New(c, redis.Options{Namespace: "test", Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := newApp(t, d)
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "n", 1, i64) })
	a.takeErrs()

	sleeping := make(chan struct{})
	go func() { redistest.Do(srv.Addr, "DEBUG", "SLEEP", "1.5"); close(sleeping) }()
	time.Sleep(50 * time.Millisecond)
	bounded := func(what string, f func() error) {
		t.Helper()
		start := time.Now()
		err := f()
		if el := time.Since(start); err == nil || el > 7*timeout {
			t.Errorf("%s against a busy server: %v after %v; want an error within about %v", what, err, el, timeout)
		}
	}
	bounded("Load", func() error {
		_, err := d.Load(ctx, "session", runtime.NewID())
		return err
	})
	bounded("Save", func() error {
		now := time.Now()
		rec := &runtime.Record{ID: runtime.NewID(), Created: now, Active: now, Expires: now.Add(time.Hour),
			Data: map[string][]byte{"n": {1}}}
		_, err := d.Save(ctx, "session", rec, &runtime.Changes{New: true, DataSet: []string{"n"}})
		return err
	})
	bounded("request", func() error {
		w, _ := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { t.Error("handler ran its step without a session") })
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("request against a busy server: status %d, want 503", w.Code)
		}
		if errs := a.takeErrs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrLoad) {
			t.Errorf("request against a busy server: errors %v, want one wrapping runtime.ErrLoad", errs)
		}
		return errors.New("(503)")
	})

	<-sleeping
	var n int64
	w, _ := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { n = runtime.Add(s, "n", 1, i64) })
	if w.Code != http.StatusOK || n != 2 {
		t.Errorf("after the server woke: status %d, n = %d; want 200 and 2", w.Code, n)
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// TestClusterRegenerate checks on a 3-master Cluster that Regenerate and
// Invalidate move the session to a new key, wherever it hashes, and delete
// the old one.
func TestClusterRegenerate(t *testing.T) {
	c, n := newClusterClient(t, redistest.StartCluster(t))
	loadScript(t, c) // no NOSCRIPT fallback on the node a new key lands on
	d := newDriver(t, c)
	a := newApp(t, d)
	ctx := context.Background()
	slots := map[int64]bool{}
	for i := range 6 {
		_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
		n.take()
		var cookie2 string
		if i%2 == 0 {
			_, cookie2 = a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate() })
		} else {
			_, cookie2 = a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
				s.Invalidate()
				runtime.Store(s, "user", "guest", str)
			})
		}
		if cookie2 == cookie || cookie2 == "" {
			t.Fatalf("cookie not replaced")
		}
		// The old key's DEL first (it reports that the session still
		// existed), then the new hash in one script run: the two keys may
		// live on different nodes.
		trips, cmds := n.take()
		if want := []string{"hgetall", "del", "evalsha"}; trips != 3 || !slices.Equal(cmds, want) {
			t.Errorf("round trips %d %v, want 3 %v", trips, cmds, want)
		}
		slots[c.ClusterKeySlot(ctx, d.Key(cookie)).Val()/5462] = true
		slots[c.ClusterKeySlot(ctx, d.Key(cookie2)).Val()/5462] = true
		if n := c.Exists(ctx, d.Key(cookie)).Val(); n != 0 {
			t.Errorf("old key still exists after %d", i)
		}
		user, err := c.HGet(ctx, d.Key(cookie2), "d:user").Result()
		want := "\xa3ada"
		if i%2 == 1 {
			want = "\xa5guest"
		}
		if err != nil || user != want {
			t.Errorf("new key's d:user = %q, %v; want %q", user, err, want)
		}
	}
	t.Logf("keys spread over %d of 3 nodes' slot ranges", len(slots))
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// TestSlowWriteCannotUndoLogout: a request that loaded the session before
// another request invalidated it, and writes after, must not bring the old
// session back.
func TestSlowWriteCannotUndoLogout(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	d := newDriver(t, c)
	a := newApp(t, d)
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	a.clock.Advance(time.Second)

	loaded, logout := make(chan struct{}), make(chan struct{})
	done := make(chan string)
	go func() {
		_, c := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
			close(loaded)
			<-logout
			runtime.Store(s, "cart", "book", str)
		})
		done <- c
	}()
	<-loaded
	_, after := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate() })
	close(logout)
	slow := <-done
	if after != "" {
		t.Errorf("logout left a cookie")
	}
	var user, cart string
	var ok1, ok2 bool
	a.do(slow, func(_ http.ResponseWriter, s *runtime.Session) {
		user, ok1 = runtime.Lookup(s, "user", str)
		cart, ok2 = runtime.Lookup(s, "cart", str)
	})
	if ok1 || ok2 {
		t.Errorf("the slow request's cookie still opens a session: user=%q cart=%q", user, cart)
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// TestEmptyingKeepsConcurrentWrite: a request that deletes the last value it
// saw must not delete values another request added meanwhile.
func TestEmptyingKeepsConcurrentWrite(t *testing.T) {
	srv := redistest.Start(t)
	c, _ := newClient(t, srv.Addr)
	a := newApp(t, newDriver(t, c))
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "a", "A", str) })

	loaded, added := make(chan struct{}), make(chan struct{})
	done := make(chan string)
	go func() {
		_, c := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
			s.Keys()
			close(loaded)
			<-added
			s.Delete("a")
		})
		done <- c
	}()
	<-loaded
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "b", "B", str) })
	close(added)
	if got := <-done; got != cookie {
		t.Errorf("cookie after deleting a: %q, want it kept (b exists)", got)
	}
	var keys []string
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { keys = s.Keys() })
	if !slices.Equal(keys, []string{"b"}) {
		t.Errorf("keys = %v, want [b]", keys)
	}

	// Deleting the last value for real removes the hash and the cookie.
	_, got := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Delete("b") })
	if got != "" {
		t.Errorf("cookie after emptying the session: %q, want removed", got)
	}
	if n := c.Exists(context.Background(), "test:session:"+cookie).Val(); n != 0 {
		t.Error("empty session's hash still exists")
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}
