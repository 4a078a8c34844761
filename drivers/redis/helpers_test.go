package redis_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
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

// counter is a go-redis hook that counts round trips (a single command, or
// one pipeline or transaction) and the commands they carried. What a new
// connection sends to set itself up (HELLO, CLIENT SETINFO, ...) is not
// counted: it is per connection, not per request.
type counter struct {
	mu    sync.Mutex
	trips int
	cmds  []string // names, MULTI and EXEC included
}

func (c *counter) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (c *counter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.add([]goredis.Cmder{cmd})
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.add(cmds)
		return next(ctx, cmds)
	}
}

func (c *counter) add(cmds []goredis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counted := false
	for _, cmd := range cmds {
		switch cmd.Name() {
		case "hello", "client", "auth", "select":
			continue
		}
		c.cmds = append(c.cmds, cmd.Name())
		counted = true
	}
	if counted {
		c.trips++
	}
}

// take returns the counts since the last call and resets them.
func (c *counter) take() (trips int, cmds []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	trips, cmds = c.trips, c.cmds
	c.trips, c.cmds = 0, nil
	return trips, cmds
}

// newClient returns a client for addr with short timeouts and a counting
// hook, closed when the test ends.
func newClient(t testing.TB, addr string) (*goredis.Client, *counter) {
	c := goredis.NewClient(&goredis.Options{
		Addr:          addr,
		DialTimeout:   300 * time.Millisecond,
		ReadTimeout:   300 * time.Millisecond,
		WriteTimeout:  300 * time.Millisecond,
		MaxRetries:    1,
		DialerRetries: 1,
	})
	t.Cleanup(func() { c.Close() })
	n := new(counter)
	c.AddHook(n)
	return c, n
}

func newClusterClient(t testing.TB, cl *redistest.Cluster) (*goredis.ClusterClient, *counter) {
	c := goredis.NewClusterClient(&goredis.ClusterOptions{
		Addrs:        cl.Addrs,
		DialTimeout:  time.Second,
		ReadTimeout:  time.Second,
		WriteTimeout: time.Second,
	})
	t.Cleanup(func() { c.Close() })
	n := new(counter)
	c.AddHook(n)
	return c, n
}

func newDriver(t testing.TB, c goredis.UniversalClient) *redis.Driver {
	t.Helper()
	return newDriverIn(t, c, "test")
}

// newDriverIn is newDriver in a namespace of its own, for tests whose keys
// (owner indexes) must not meet another test's.
func newDriverIn(t testing.TB, c goredis.UniversalClient, namespace string) *redis.Driver {
	t.Helper()
	d, err := redis.New(c, redis.Options{Namespace: strings.NewReplacer("{", "(", "}", ")").Replace(namespace)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// app is a manager in front of a handler that runs the step a request
// carries, for tests that drive requests themselves (concurrently, or
// with a cookie they choose).
type app struct {
	t      testing.TB
	m      *runtime.Manager
	h      http.Handler
	clock  *sessiontest.Clock
	errs   []error
	errsMu sync.Mutex
	logs   syncBuffer // what the manager logged
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// take returns what was written since the last call and forgets it.
func (b *syncBuffer) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.b.String()
	b.b.Reset()
	return s
}

type stepFunc func(w http.ResponseWriter, s *runtime.Session)

type stepCtxKey struct{}

func newApp(t testing.TB, d runtime.Driver) *app {
	a := &app{t: t, clock: sessiontest.NewClock()}
	m, err := runtime.NewManager(d, runtime.Options{
		Clock:  a.clock.Now,
		Logger: slog.New(slog.NewTextHandler(&a.logs, nil)),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			a.errsMu.Lock()
			a.errs = append(a.errs, err)
			a.errsMu.Unlock()
			runtime.ServeError(w, r, err)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.m = m
	a.h = m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			a.errsMu.Lock()
			a.errs = append(a.errs, err)
			a.errsMu.Unlock()
			runtime.ServeError(w, r, err)
			return
		}
		if step, ok := r.Context().Value(stepCtxKey{}).(stepFunc); ok {
			step(w, s)
		}
	}))
	return a
}

// do serves one request carrying the session cookie value cookie ("" for
// none) and returns the recorder and the cookie the browser holds afterwards.
func (a *app) do(cookie string, step stepFunc) (*httptest.ResponseRecorder, string) {
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.Header.Set("Cookie", "session="+cookie)
	}
	r = r.WithContext(context.WithValue(r.Context(), stepCtxKey{}, step))
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, r)
	for _, sc := range w.Result().Header["Set-Cookie"] {
		if v, ok := strings.CutPrefix(sc, "session="); ok {
			v, _, _ = strings.Cut(v, ";")
			cookie = v
		}
	}
	return w, cookie
}

// takeErrs returns and forgets the errors the handler and the error handler
// saw.
func (a *app) takeErrs() []error {
	a.errsMu.Lock()
	defer a.errsMu.Unlock()
	e := a.errs
	a.errs = nil
	return e
}

// dbsize returns the number of keys in the server or, for a Cluster, in all
// its masters.
func dbsize(t testing.TB, c goredis.UniversalClient) int64 {
	t.Helper()
	ctx := context.Background()
	cc, ok := c.(*goredis.ClusterClient)
	if !ok {
		n, err := c.DBSize(ctx).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	var mu sync.Mutex
	var n int64
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error {
		k, err := m.DBSize(ctx).Result()
		mu.Lock()
		n += k
		mu.Unlock()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// flush empties the server or, for a Cluster, all its masters.
func flush(t testing.TB, c goredis.UniversalClient) {
	t.Helper()
	ctx := context.Background()
	var err error
	if cc, ok := c.(*goredis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, m *goredis.Client) error { return m.FlushDB(ctx).Err() })
	} else {
		err = c.FlushDB(ctx).Err()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// loadScript loads the driver's script everywhere c reaches (see
// redis.LoadScript).
func loadScript(t testing.TB, c goredis.UniversalClient) {
	t.Helper()
	if err := redis.LoadScript(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

// setCookies returns the response's Set-Cookie headers.
func setCookies(w *httptest.ResponseRecorder) []string { return w.Result().Header["Set-Cookie"] }

var (
	i64 = runtime.Signed[int64]{}
	str = runtime.String[string]{}
)
