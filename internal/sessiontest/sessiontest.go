package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// Clock is a settable clock for runtime.Options.Clock. It starts at the real
// time, so server-side stores that expire keys by the wall clock never see
// an expiry earlier than the manager computes.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock set to time.Now().
func NewClock() *Clock { return &Clock{now: time.Now()} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Harness is an HTTPS test server whose handler runs one step function per
// request, and a browser-like client with a cookie jar.
type Harness struct {
	T       testing.TB
	Clock   *Clock
	Manager *runtime.Manager
	Server  *httptest.Server
	Client  *http.Client
	URL     *url.URL

	Status int // status of the last response

	*shared // with the harnesses of other devices (see Device)
}

// shared is what the harnesses of one server's devices share.
type shared struct {
	mu     sync.Mutex
	driver runtime.Driver
	step   func(w http.ResponseWriter, s *runtime.Session)
	reqCtx context.Context // the context of the request running step
	errs   []error
	each   map[string]http.Handler // the handlers of running Each calls, by eachHeader
	nEach  int
}

// eachHeader names the Each call a request belongs to.
const eachHeader = "X-Sessiontest-Each"

// NewHarness starts a server for d with opts (Clock and ErrorHandler are
// set by the harness) and stops it when the test ends.
func NewHarness(t testing.TB, d runtime.Driver, opts runtime.Options) *Harness {
	t.Helper()
	h := &Harness{T: t, Clock: NewClock(), shared: &shared{driver: d}}
	opts.Clock = h.Clock.Now
	opts.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		h.mu.Lock()
		h.errs = append(h.errs, err)
		h.mu.Unlock()
		runtime.ServeError(w, r, err)
	}
	m, err := runtime.NewManager(d, opts)
	if err != nil {
		t.Fatal(err)
	}
	h.Manager = m
	h.Server = httptest.NewUnstartedServer(h.handler())
	h.Server.Config.ErrorLog = log.New(io.Discard, "", 0) // connections cut at Close
	h.Server.StartTLS()
	t.Cleanup(h.Server.Close)
	h.URL, _ = url.Parse(h.Server.URL)
	jar, _ := cookiejar.New(nil)
	h.Client = &http.Client{Jar: jar, Transport: h.Server.Client().Transport, Timeout: 10 * time.Second}
	return h
}

// handler is the server's handler: the manager's middleware in front of
// the handler of the Each call the request belongs to, or of the step of
// the last Do.
func (h *Harness) handler() http.Handler {
	return h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := r.Header.Get(eachHeader); id != "" {
			h.mu.Lock()
			each := h.each[id]
			h.mu.Unlock()
			each.ServeHTTP(w, r)
			return
		}
		s, err := runtime.From(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		h.mu.Lock()
		step := h.step
		h.reqCtx = r.Context()
		h.mu.Unlock()
		if step != nil {
			step(w, s)
		}
	}))
}

// Restore gives the server back its handler, after a test replaced
// Server.Config.Handler.
func (h *Harness) Restore() { h.Server.Config.Handler = h.handler() }

// Do makes one request whose handler runs step, and returns the response
// (body read and closed).
func (h *Harness) Do(step func(w http.ResponseWriter, s *runtime.Session)) *http.Response {
	h.T.Helper()
	h.mu.Lock()
	h.step = step
	h.mu.Unlock()
	resp, err := h.Client.Get(h.Server.URL + "/")
	if err != nil {
		h.T.Fatalf("request: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	h.Status = resp.StatusCode
	return resp
}

// Errs returns and forgets the errors the ErrorHandler saw.
func (h *Harness) Errs() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.errs
	h.errs = nil
	return e
}

// Cookie returns the session cookie's value in the jar ("" if none).
func (h *Harness) Cookie() string {
	for _, c := range h.Client.Jar.Cookies(h.URL) {
		if c.Name == h.Manager.Options().Name {
			return c.Value
		}
	}
	return ""
}

// SetCookie replaces the session cookie in the jar.
func (h *Harness) SetCookie(value string) {
	h.Client.Jar.SetCookies(h.URL, []*http.Cookie{{Name: h.Manager.Options().Name, Value: value, Path: "/"}})
}

var (
	i64 = runtime.Signed[int64]{}
	str = runtime.String[string]{}
)

func get(s *runtime.Session, key string) (string, bool) { return runtime.Lookup(s, key, str) }
func set(s *runtime.Session, key, v string)             { runtime.Store(s, key, v, str) }
func flashed(s *runtime.Session, key string) (string, bool) {
	return runtime.LookupFlash(s, key, str)
}

// read returns a step that records key's data value into *out ("<absent>"
// when missing).
func read(key string, out *string) func(http.ResponseWriter, *runtime.Session) {
	return func(_ http.ResponseWriter, s *runtime.Session) {
		*out = orAbsent(get(s, key))
	}
}

func readFlash(key string, out *string) func(http.ResponseWriter, *runtime.Session) {
	return func(_ http.ResponseWriter, s *runtime.Session) {
		*out = orAbsent(flashed(s, key))
	}
}

func orAbsent(v string, ok bool) string {
	if !ok {
		return "<absent>"
	}
	return v
}

func noop(http.ResponseWriter, *runtime.Session) {}

// Timings are the option sets the suite runs under: the defaults, and
// sub-second timeouts that catch times a driver stores less precisely than
// to the millisecond.
var Timings = []struct {
	Name string
	Opts runtime.Options
}{
	{"Default", runtime.Options{}},
	{"SubSecond", runtime.Options{IdleTimeout: 400 * time.Millisecond, Lifetime: 900 * time.Millisecond}},
}

// Run runs the suite against drivers that newDriver makes (one per
// subtest), under each of [Timings].
func Run(t *testing.T, newDriver func(t *testing.T) runtime.Driver) {
	for _, timing := range Timings {
		t.Run(timing.Name, func(t *testing.T) {
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					opts := timing.Opts
					if tc.opts != nil {
						tc.opts(&opts)
					}
					h := NewHarness(t, newDriver(t), opts)
					tc.run(t, h)
					for _, err := range h.Errs() {
						t.Errorf("unexpected error handler call: %v", err)
					}
				})
			}
		})
	}
}

type testCase struct {
	name string
	opts func(*runtime.Options) // changes to the options, if any
	run  func(t *testing.T, h *Harness)
}

func want(t *testing.T, what, got, want string) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %q, want %q", what, got, want)
	}
}

var cases = []testCase{
	{"SetThenGetNextRequest", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			set(s, "name", "ada")
			runtime.Store(s, "n", int64(-1<<40), i64)
		})
		if h.Cookie() == "" {
			t.Fatal("no session cookie after a write")
		}
		var name string
		var n int64
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			name = orAbsent(get(s, "name"))
			n, _ = runtime.Lookup(s, "n", i64)
		})
		want(t, "name", name, "ada")
		if n != -1<<40 {
			t.Errorf("n = %d, want %d", n, int64(-1<<40))
		}
	}},
	{"UntouchedSessionSendsNoCookie", nil, func(t *testing.T, h *Harness) {
		resp := h.Do(noop)
		if c := resp.Header.Get("Set-Cookie"); c != "" {
			t.Errorf("empty session set a cookie: %s", c)
		}
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		resp = h.Do(func(_ http.ResponseWriter, s *runtime.Session) { get(s, "a") })
		if c := resp.Header.Get("Set-Cookie"); c != "" {
			t.Errorf("read-only request re-issued the cookie: %s", c)
		}
	}},
	{"CookieHeaders", nil, func(t *testing.T, h *Harness) {
		resp := h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		c := resp.Header.Get("Set-Cookie")
		for _, attr := range []string{"; Path=/", "; HttpOnly", "; Secure", "; SameSite=Lax"} {
			if !strings.Contains(c, attr) {
				t.Errorf("Set-Cookie %q lacks %q", c, attr)
			}
		}
		if strings.Contains(c, "Max-Age") || strings.Contains(c, "Expires") {
			t.Errorf("default cookie should be a browser-session cookie: %q", c)
		}
		if v := resp.Header.Get("Vary"); v != "Cookie" {
			t.Errorf("Vary = %q", v)
		}
		if v := resp.Header.Get("Cache-Control"); v != `no-cache="Set-Cookie"` {
			t.Errorf("Cache-Control = %q", v)
		}
	}},
	{"PersistentCookieHasMaxAgeAndExpires", func(o *runtime.Options) { o.Persist = true }, func(t *testing.T, h *Harness) {
		resp := h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		o := h.Manager.Options()
		c := parseSetCookie(t, resp)
		wantAge := int((min(o.IdleTimeout, o.Lifetime) + time.Second - 1) / time.Second) // rounded up, never early
		if c.MaxAge != wantAge {
			t.Errorf("Max-Age = %d, want %d (from %q)", c.MaxAge, wantAge, resp.Header.Get("Set-Cookie"))
		}
		if wantExp := h.Clock.Now().Add(time.Duration(wantAge) * time.Second).Truncate(time.Second); !c.Expires.Equal(wantExp) {
			t.Errorf("Expires = %v, want %v, matching Max-Age", c.Expires, wantExp)
		}
	}},
	{"RemovalCookieHasMaxAgeZeroAndPastExpires", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		resp := h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate() })
		c := parseSetCookie(t, resp)
		if c.MaxAge >= 0 || c.Value != "" { // net/http reports Max-Age=0 as -1
			t.Errorf("removal cookie %q: MaxAge %d, value %q", resp.Header.Get("Set-Cookie"), c.MaxAge, c.Value)
		}
		if c.Expires.IsZero() || !c.Expires.Before(time.Unix(1, 0)) {
			t.Errorf("removal cookie %q: Expires %v, want one in the past", resp.Header.Get("Set-Cookie"), c.Expires)
		}
	}},
	{"FlashLivesForExactlyTheNextRequest", nil, func(t *testing.T, h *Harness) {
		var now, n1, n2 string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Flash(s, "notice", "saved", str)
			now = orAbsent(flashed(s, "notice"))
		})
		h.Do(readFlash("notice", &n1))
		h.Do(readFlash("notice", &n2))
		want(t, "flash in request N", now, "saved")
		want(t, "flash in request N+1", n1, "saved")
		want(t, "flash in request N+2", n2, "<absent>")
	}},
	{"UnreadFlashStillExpires", nil, func(t *testing.T, h *Harness) {
		var got string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Flash(s, "notice", "x", str)
			set(s, "keep", "1")
		})
		h.Do(noop)
		h.Do(readFlash("notice", &got))
		want(t, "unread flash in request N+2", got, "<absent>")
	}},
	{"FlashAndDataAreApart", nil, func(t *testing.T, h *Harness) {
		var data, fl string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			set(s, "k", "data")
			runtime.Flash(s, "k", "flash", str)
		})
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			data = orAbsent(get(s, "k"))
			fl = orAbsent(flashed(s, "k"))
		})
		want(t, "data k", data, "data")
		want(t, "flash k", fl, "flash")
	}},
	{"Keep", nil, func(t *testing.T, h *Harness) {
		var n2, n3 string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Flash(s, "a", "A", str)
			runtime.Flash(s, "b", "B", str)
		})
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Keep("a") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			n2 = orAbsent(flashed(s, "a")) + orAbsent(flashed(s, "b"))
		})
		h.Do(readFlash("a", &n3))
		want(t, "request N+2", n2, "A<absent>")
		want(t, "request N+3", n3, "<absent>")
	}},
	{"Reflash", nil, func(t *testing.T, h *Harness) {
		var n2 string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Flash(s, "a", "A", str)
			runtime.Flash(s, "b", "B", str)
		})
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Reflash() })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			n2 = orAbsent(flashed(s, "a")) + orAbsent(flashed(s, "b"))
		})
		want(t, "request N+2", n2, "AB")
	}},
	{"NowIsThisRequestOnly", nil, func(t *testing.T, h *Harness) {
		var now, next string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Now(s, "err", "bad", str)
			set(s, "x", "1")
			now = orAbsent(flashed(s, "err"))
		})
		h.Do(readFlash("err", &next))
		want(t, "now in request N", now, "bad")
		want(t, "now in request N+1", next, "<absent>")
	}},
	{"DeleteFlash", nil, func(t *testing.T, h *Harness) {
		var next string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Flash(s, "a", "A", str); set(s, "x", "1") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.DeleteFlash("a") })
		h.Do(readFlash("a", &next))
		want(t, "deleted flash", next, "<absent>")
	}},
	{"PullAndDelete", nil, func(t *testing.T, h *Harness) {
		var pulled, after, deleted string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A"); set(s, "b", "B"); set(s, "c", "C") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			pulled = orAbsent(runtime.Pull(s, "a", str))
			s.Delete("b")
		})
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			after = orAbsent(get(s, "a"))
			deleted = orAbsent(get(s, "b"))
		})
		want(t, "pulled", pulled, "A")
		want(t, "after pull", after, "<absent>")
		want(t, "after delete", deleted, "<absent>")
	}},
	{"IncrementMissingCountsAsZero", nil, func(t *testing.T, h *Harness) {
		var first, second int64
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { first = runtime.Add(s, "views", 1, i64) })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { second = runtime.Add(s, "views", -3, i64) })
		if first != 1 || second != -2 {
			t.Errorf("increments gave %d then %d, want 1 then -2", first, second)
		}
	}},
	{"ConcurrentGoroutinesInOneRequest", nil, func(t *testing.T, h *Harness) {
		var got int64
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			var wg sync.WaitGroup
			for range 50 {
				wg.Go(func() { runtime.Add(s, "n", 1, i64) })
			}
			wg.Wait()
		})
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { got, _ = runtime.Lookup(s, "n", i64) })
		if got != 50 {
			t.Errorf("n = %d after 50 concurrent increments, want 50", got)
		}
	}},
	{"ResetKeepsID", nil, func(t *testing.T, h *Harness) {
		var id1, id2, a, fl, b string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			set(s, "a", "A")
			runtime.Flash(s, "f", "F", str)
			id1 = s.ID()
		})
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Reset(); set(s, "b", "B") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			a, fl, b = orAbsent(get(s, "a")), orAbsent(flashed(s, "f")), orAbsent(get(s, "b"))
			id2 = s.ID()
		})
		want(t, "a after reset", a, "<absent>")
		want(t, "flash after reset", fl, "<absent>")
		want(t, "b set after reset", b, "B")
		want(t, "ID after reset", id2, id1)
	}},
	{"ResetToEmptyRemovesCookie", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Reset() })
		if c := h.Cookie(); c != "" {
			t.Errorf("cookie still set after the session became empty: %q", c)
		}
	}},
	{"RegenerateChangesIDAndCookieKeepsData", nil, func(t *testing.T, h *Harness) {
		var id1, id2, a, fl string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A"); id1 = s.ID() })
		old := h.Cookie()
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Flash(s, "f", "F", str); s.Regenerate() })
		if h.Cookie() == old {
			t.Fatal("cookie unchanged by Regenerate")
		}
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			a, fl, id2 = orAbsent(get(s, "a")), orAbsent(flashed(s, "f")), s.ID()
		})
		want(t, "data after regenerate", a, "A")
		want(t, "flash after regenerate", fl, "F")
		if id1 == id2 {
			t.Error("ID unchanged by Regenerate")
		}
		if old == id1 { // server-side driver: the old ID must be dead
			h.SetCookie(old)
			var stale string
			h.Do(read("a", &stale))
			want(t, "data under the old ID", stale, "<absent>")
		}
	}},
	{"InvalidateClearsAndChangesID", nil, func(t *testing.T, h *Harness) {
		var id1, id2, a string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A"); id1 = s.ID() })
		old := h.Cookie()
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate(); set(s, "b", "B") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { a, id2 = orAbsent(get(s, "a")), s.ID() })
		want(t, "data after invalidate", a, "<absent>")
		if id1 == id2 {
			t.Error("ID unchanged by Invalidate")
		}
		if old == id1 {
			h.SetCookie(old)
			var stale string
			h.Do(read("a", &stale))
			want(t, "data under the old ID", stale, "<absent>")
		}
	}},
	{"InvalidateToEmptyRemovesCookie", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A") })
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate() })
		if c := h.Cookie(); c != "" {
			t.Errorf("cookie still set after logout: %q", c)
		}
	}},
	{"IdleTimeout", nil, func(t *testing.T, h *Harness) {
		idle := h.Manager.Options().IdleTimeout
		var a, b string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A") })
		h.Clock.Advance(idle - idle/60)
		h.Do(read("a", &a)) // a read-only request after the touch interval records activity
		h.Clock.Advance(idle - idle/60)
		h.Do(read("a", &b))
		want(t, "just before the idle timeout", a, "A")
		want(t, "just before the idle timeout again", b, "A")
		h.Clock.Advance(idle + idle/60)
		h.Do(read("a", &a))
		want(t, "just after the idle timeout", a, "<absent>")
	}},
	{"AbsoluteLifetime", nil, func(t *testing.T, h *Harness) {
		o := h.Manager.Options()
		step, margin := min(o.IdleTimeout/2, o.Lifetime/4), o.Lifetime/100
		var a string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A") })
		var elapsed time.Duration
		for elapsed+step < o.Lifetime-margin { // active all along
			h.Clock.Advance(step)
			elapsed += step
			h.Do(read("a", &a))
			if a != "A" {
				t.Fatalf("session gone after %v of a %v lifetime", elapsed, o.Lifetime)
			}
		}
		h.Clock.Advance(o.Lifetime - margin - elapsed)
		h.Do(read("a", &a))
		want(t, fmt.Sprintf("%v before the end of the lifetime", margin), a, "A")
		h.Clock.Advance(2 * margin)
		h.Do(read("a", &a))
		want(t, fmt.Sprintf("%v after the end of the lifetime, despite activity", margin), a, "<absent>")
	}},
	{"GarbageCookieIsFreshSession", nil, func(t *testing.T, h *Harness) {
		for _, v := range []string{"x", "!!!", strings.Repeat("A", 4000), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"} {
			h.SetCookie(v)
			var a string
			h.Do(func(_ http.ResponseWriter, s *runtime.Session) { a = orAbsent(get(s, "a")); set(s, "a", "new") })
			if h.Status != http.StatusOK {
				t.Errorf("garbage cookie %.20q: status %d", v, h.Status)
			}
			want(t, "value in fresh session", a, "<absent>")
		}
	}},
	{"ExpiredOrGarbageCookieIsRemoved", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A") })
		h.Clock.Advance(h.Manager.Options().Lifetime)
		h.Do(noop)
		if c := h.Cookie(); c != "" {
			t.Errorf("expired session's cookie kept: %q", c)
		}
		h.SetCookie("garbage")
		h.Do(noop)
		if c := h.Cookie(); c != "" {
			t.Errorf("garbage cookie kept: %q", c)
		}
	}},
	{"TamperedCookieIsFreshSession", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "A") })
		c := []byte(h.Cookie())
		for _, i := range []int{0, len(c) / 2, len(c) - 1} {
			t2 := append([]byte(nil), c...)
			t2[i] = flip(t2[i])
			h.SetCookie(string(t2))
			var a string
			h.Do(read("a", &a))
			if h.Status != http.StatusOK {
				t.Errorf("tampered cookie: status %d", h.Status)
			}
			want(t, fmt.Sprintf("value with byte %d changed", i), a, "<absent>")
		}
	}},
	{"NoMiddleware", nil, func(t *testing.T, h *Harness) {
		_, err := runtime.From(context.Background())
		if !errors.Is(err, runtime.ErrNoSession) {
			t.Errorf("From without middleware: %v, want ErrNoSession", err)
		}
	}},
}

// parseSetCookie returns the response's one session cookie.
func parseSetCookie(t *testing.T, resp *http.Response) *http.Cookie {
	t.Helper()
	cs := resp.Cookies()
	if len(cs) != 1 {
		t.Fatalf("Set-Cookie headers %q, want one", resp.Header.Values("Set-Cookie"))
	}
	return cs[0]
}

// flip changes a base64url character to another valid one.
func flip(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}
