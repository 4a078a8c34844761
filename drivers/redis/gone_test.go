package redis_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/runtime"
)

// topologies are the deployments the tests below run on: a single server,
// where a whole-record write is one script run over both keys, and a
// Cluster, where it is a DEL of the old key and then a script run.
var topologies = []struct {
	name   string
	client func(t *testing.T) goredis.UniversalClient
}{
	{"Standalone", func(t *testing.T) goredis.UniversalClient {
		c, _ := newClient(t, redistest.Start(t).Addr)
		return c
	}},
	{"Cluster", func(t *testing.T) goredis.UniversalClient {
		c, _ := newClusterClient(t, redistest.StartCluster(t))
		return c
	}},
}

// interleave serves a slow request on cookie that loads the session and
// then waits while fast is served to completion on the same cookie; then the
// slow request runs its step and finishes. It returns both responses and the
// cookie the browser holds after each.
func (a *app) interleave(cookie string, slow, fast stepFunc) (slowW *httptest.ResponseRecorder, slowCookie string, fastW *httptest.ResponseRecorder, fastCookie string) {
	loaded, release := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		slowW, slowCookie = a.do(cookie, func(w http.ResponseWriter, s *runtime.Session) {
			close(loaded)
			<-release
			slow(w, s)
		})
	}()
	<-loaded
	fastW, fastCookie = a.do(cookie, fast)
	close(release)
	<-done
	return slowW, slowCookie, fastW, fastCookie
}

// checkDropped checks that the slow request of a.interleave was answered
// normally, left the browser's cookie alone, and that the manager logged
// its changes as dropped.
func checkDropped(t *testing.T, a *app, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Errorf("stale request: status %d, want 200", w.Code)
	}
	if sc := setCookies(w); len(sc) != 0 {
		t.Errorf("stale request sent Set-Cookie %q, want none", sc)
	}
	if logs := a.logs.take(); !strings.Contains(logs, "dropped") || !strings.Contains(logs, runtime.ErrSessionGone.Error()) {
		t.Errorf("manager's log %q does not report the dropped changes", logs)
	}
	for _, err := range a.takeErrs() {
		t.Error(err)
	}
}

// TestSlowWholeWriteAfterLogout: a request that loaded the session before
// another request logged out (Invalidate), and then resets, regenerates or
// invalidates it, must write nothing: no session comes back under the old
// ID or a new one, and its response neither fails nor touches the cookie.
func TestSlowWholeWriteAfterLogout(t *testing.T) {
	t.Parallel() // each starts its own servers; most of the time is the Cluster starting
	steps := []struct {
		name string
		step stepFunc
	}{
		{"Regenerate", func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate(); runtime.Store(s, "cart", "book", str) }},
		{"Reset", func(_ http.ResponseWriter, s *runtime.Session) { s.Reset(); runtime.Store(s, "cart", "book", str) }},
		{"Invalidate", func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate(); runtime.Store(s, "cart", "book", str) }},
		{"ResetToEmpty", func(_ http.ResponseWriter, s *runtime.Session) { s.Reset() }},
		{"InvalidateToEmpty", func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate() }},
	}
	for _, topo := range topologies {
		t.Run(topo.name, func(t *testing.T) {
			c := topo.client(t)
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					flush(t, c)
					a := newApp(t, newDriver(t, c))
					_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
					w, _, _, after := a.interleave(cookie, st.step, func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate() })
					if after != "" {
						t.Fatalf("logout left a cookie")
					}
					if n := dbsize(t, c); n != 0 {
						t.Errorf("after logout and a slow %s: %d keys in Redis, want none", st.name, n)
					}
					checkDropped(t, a, w)
				})
			}
		})
	}
}

// TestStaleWriteAfterLogin: request B loads the session, request A logs in
// (Regenerate: new ID, old hash deleted), then B writes. B's changes are
// dropped, and B's response must not send a Set-Cookie that deletes (or
// replaces) the cookie A just issued, nor fail; A's session is intact.
func TestStaleWriteAfterLogin(t *testing.T) {
	t.Parallel() // each starts its own servers; most of the time is the Cluster starting
	steps := []struct {
		name string
		step stepFunc
	}{
		{"Store", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "cart", "book", str) }},
		// B deletes the last value it saw: alone, it would empty the
		// session and remove the cookie.
		{"DeleteLast", func(_ http.ResponseWriter, s *runtime.Session) { s.Delete("user") }},
		// B's flash ages out, and it is the last value.
		{"FlashAges", func(_ http.ResponseWriter, s *runtime.Session) { runtime.LookupFlash(s, "notice", str) }},
	}
	for _, topo := range topologies {
		t.Run(topo.name, func(t *testing.T) {
			c := topo.client(t)
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					flush(t, c)
					a := newApp(t, newDriver(t, c))
					_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) {
						if st.name == "FlashAges" {
							runtime.Flash(s, "notice", "hi", str)
						} else {
							runtime.Store(s, "user", "guest", str)
						}
					})
					w, _, _, login := a.interleave(cookie, st.step, func(_ http.ResponseWriter, s *runtime.Session) {
						s.Regenerate()
						runtime.Store(s, "user", "ada", str)
					})
					if login == "" || login == cookie {
						t.Fatalf("login did not issue a new cookie")
					}
					checkDropped(t, a, w)
					var user string
					var cart bool
					a.do(login, func(_ http.ResponseWriter, s *runtime.Session) {
						user, _ = runtime.Lookup(s, "user", str)
						_, cart = runtime.Lookup(s, "cart", str)
					})
					if user != "ada" || cart {
						t.Errorf("logged-in session: user=%q, cart present %v; want ada and no cart", user, cart)
					}
					if n := dbsize(t, c); n != 1 {
						t.Errorf("%d keys in Redis, want only the logged-in session's", n)
					}
					for _, err := range a.takeErrs() {
						t.Error(err)
					}
				})
			}
		})
	}
}

// failScripts is a go-redis hook that fails script runs while on.
type failScripts struct{ on atomic.Bool }

func (f *failScripts) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (f *failScripts) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if f.on.Load() && (cmd.Name() == "evalsha" || cmd.Name() == "eval") {
			err := errors.New("injected failure")
			cmd.SetErr(err)
			return err
		}
		return next(ctx, cmd)
	}
}

func (f *failScripts) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}

// TestClusterRegenerateFailsClosed: on Cluster, Regenerate and Invalidate
// delete the old key before writing the new one. When the write fails the
// request fails and the session is gone, never left valid under the old ID.
func TestClusterRegenerateFailsClosed(t *testing.T) {
	t.Parallel() // each starts its own servers; most of the time is the Cluster starting
	c, _ := newClusterClient(t, redistest.StartCluster(t))
	f := new(failScripts)
	c.AddHook(f)
	a := newApp(t, newDriver(t, c))
	for _, step := range []stepFunc{
		func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate() },
		func(_ http.ResponseWriter, s *runtime.Session) {
			s.Invalidate()
			runtime.Store(s, "user", "guest", str)
		},
	} {
		_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
		f.on.Store(true)
		w, _ := a.do(cookie, step)
		f.on.Store(false)
		if w.Code != http.StatusServiceUnavailable {
			t.Errorf("status %d, want 503 (the store failed)", w.Code)
		}
		if errs := a.takeErrs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrSave) {
			t.Errorf("errors %v, want one wrapping runtime.ErrSave", errs)
		}
		if n := dbsize(t, c); n != 0 {
			t.Errorf("%d keys in Redis after a failed regenerate, want none (the old session must be gone)", n)
		}
		var found bool
		a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { _, found = runtime.Lookup(s, "user", str) })
		if found {
			t.Error("the old cookie still opens the session")
		}
	}
}

// TestManyKeys saves, deletes and regenerates sessions of 6000 keys: the
// script passes them to HSET and HDEL in chunks, under Lua's unpack limit
// (about 8000 values).
func TestManyKeys(t *testing.T) {
	t.Parallel() // each starts its own servers; most of the time is the Cluster starting
	const n = 6000
	for _, topo := range topologies {
		t.Run(topo.name, func(t *testing.T) {
			c := topo.client(t)
			d := newDriver(t, c)
			a := newApp(t, d)
			ctx := context.Background()
			storeAll := func(s *runtime.Session) {
				for i := range n {
					runtime.Store(s, "k"+strconv.Itoa(i), int64(i), i64)
				}
			}
			countAll := func(cookie string) (found int) {
				a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
					for i := range n {
						if v, ok := runtime.Lookup(s, "k"+strconv.Itoa(i), i64); ok && v == int64(i) {
							found++
						}
					}
				})
				return found
			}

			// A new session: one save of 6000 fields.
			_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) {
				storeAll(s)
				runtime.Flash(s, "notice", "hi", str)
			})
			if got := c.HLen(ctx, d.Key(cookie)).Val(); got != n+4 { // the values, the flash, c, a and e
				t.Fatalf("HLEN = %d, want %d", got, n+4)
			}
			// Delete all but one (and the flash ages): 6000 fields deleted.
			_, got := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) {
				for i := 1; i < n; i++ {
					s.Delete("k" + strconv.Itoa(i))
				}
			})
			if got != cookie {
				t.Fatalf("cookie changed after deleting")
			}
			if got := c.HLen(ctx, d.Key(cookie)).Val(); got != 4 { // one value, c, a and e
				t.Fatalf("HLEN after deleting = %d, want 4", got)
			}
			// A whole write of 6000 fields under a new ID.
			_, cookie2 := a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate(); storeAll(s) })
			if cookie2 == "" || cookie2 == cookie {
				t.Fatal("regenerate did not issue a new cookie")
			}
			if found := countAll(cookie2); found != n {
				t.Errorf("after regenerate: %d of %d keys", found, n)
			}
			if c.Exists(ctx, d.Key(cookie)).Val() != 0 {
				t.Error("old key survived regenerate")
			}
			// And a Reset that writes them again.
			a.do(cookie2, func(_ http.ResponseWriter, s *runtime.Session) { s.Reset(); storeAll(s) })
			if found := countAll(cookie2); found != n {
				t.Errorf("after reset: %d of %d keys", found, n)
			}
			for _, err := range a.takeErrs() {
				t.Error(err)
			}
		})
	}
}
