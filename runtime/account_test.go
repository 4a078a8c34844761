package runtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// TestAccountsNeedAnIndex: a driver without an owner index (the cookie
// driver's kind) cannot list or revoke, and says so with ErrUnsupported;
// the session's own owner, device and persistence still work.
func TestAccountsNeedAnIndex(t *testing.T) {
	h := sessiontest.NewHarness(t, newSealer("k"), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.SetOwner("ada"); s.SetDevice("laptop") })
	var owner, device string
	var errs [3]error
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		owner, device = s.Owner(), s.Device()
		_, errs[0] = h.Manager.Sessions(r.Context(), owner)
		_, errs[1] = h.Manager.Revoke(r.Context(), owner)
		_, errs[2] = h.Manager.RevokeOthers(r.Context())
	}))
	h.Do(nil)
	if owner != "ada" || device != "laptop" {
		t.Errorf("owner %q, device %q after a round trip", owner, device)
	}
	for i, err := range errs {
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Errorf("call %d: %v, want ErrUnsupported", i, err)
		}
	}
}

// TestExclusiveNeedsALocker: wiring Exclusive on a driver that cannot
// lock fails before anything is served, as http.ServeMux does for a bad
// pattern.
func TestExclusiveNeedsALocker(t *testing.T) {
	m, err := runtime.NewManager(newSealer("k"), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "cannot") && !strings.Contains(r.(string), "no lock") {
			t.Errorf("Exclusive on a driver that cannot lock: recovered %v", r)
		}
	}()
	m.Exclusive(http.NotFoundHandler())
}

// TestExclusiveOutsideTheMiddleware: Exclusive wraps routes inside
// Middleware; a request that reaches it otherwise is an error, never an
// unlocked read-modify-write.
func TestExclusiveOutsideTheMiddleware(t *testing.T) {
	m, err := runtime.NewManager(&lockingStore{fakeStore: newStore()}, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ran := false
	w := httptest.NewRecorder()
	m.Exclusive(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true })).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if ran || w.Code != http.StatusInternalServerError {
		t.Errorf("Exclusive without Middleware: handler ran %v, status %d", ran, w.Code)
	}
	// Loaded before Exclusive saw the request: not locked, so refused.
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		runtime.From(r.Context())
		m.Exclusive(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true })).ServeHTTP(w, r)
	}))
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if ran || w.Code != http.StatusInternalServerError {
		t.Errorf("Exclusive after a load: handler ran %v, status %d", ran, w.Code)
	}
}

// TestServeErrorStatuses: what ServeError answers for each kind of error.
func TestServeErrorStatuses(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code int
	}{
		{runtime.ErrLoad, http.StatusServiceUnavailable},
		{runtime.ErrSave, http.StatusServiceUnavailable},
		{runtime.ErrLocked, http.StatusTooManyRequests},
		{runtime.ErrCookieTooLarge, http.StatusInternalServerError},
		{runtime.ErrNoSession, http.StatusInternalServerError},
	} {
		w := httptest.NewRecorder()
		runtime.ServeError(w, httptest.NewRequest("GET", "/", nil), tc.err)
		if w.Code != tc.code {
			t.Errorf("%v: %d, want %d", tc.err, w.Code, tc.code)
		}
		if tc.code == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
			t.Errorf("%v: no Retry-After", tc.err)
		}
	}
}

// TestRememberedSessionsLiveLonger: SetPersist(true) gives this session a
// persistent cookie and the persistent timeouts; the others keep a
// browser-session cookie and the ordinary ones.
func TestRememberedSessionsLiveLonger(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{PersistIdleTimeout: 7 * 24 * time.Hour, PersistLifetime: 30 * 24 * time.Hour})
	resp := h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
		s.SetPersist(true)
		runtime.Store(s, "user", "ada", str)
	})
	c := resp.Cookies()
	if len(c) != 1 || c[0].MaxAge != 7*24*3600 || c[0].Expires.IsZero() {
		t.Fatalf("remembered session's cookie %q, want Max-Age of a week and Expires", resp.Header.Get("Set-Cookie"))
	}
	other := h.Device()
	resp = other.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "bob", str) })
	if c := resp.Cookies(); len(c) != 1 || c[0].MaxAge != 0 || !c[0].Expires.IsZero() {
		t.Errorf("ordinary session's cookie %q, want a browser-session cookie", resp.Header.Get("Set-Cookie"))
	}
	h.Clock.Advance(3 * time.Hour) // past the ordinary idle timeout
	var ada, bob string
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { ada, _ = runtime.Lookup(s, "user", str) })
	other.Do(func(_ http.ResponseWriter, s *runtime.Session) { bob, _ = runtime.Lookup(s, "user", str) })
	if ada != "ada" || bob != "" {
		t.Errorf("after 3h idle: remembered %q, ordinary %q; want ada and nothing", ada, bob)
	}
	// Turning it off gives a browser-session cookie again.
	resp = h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.SetPersist(false) })
	if c := resp.Cookies(); len(c) != 1 || c[0].MaxAge != 0 {
		t.Errorf("after SetPersist(false): %q", resp.Header.Get("Set-Cookie"))
	}
	h.Clock.Advance(31 * 24 * time.Hour)
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { ada, _ = runtime.Lookup(s, "user", str) })
	if ada != "" {
		t.Error("a session outlived the persistent lifetime")
	}
}

// lockingStore is a fakeStore that can lock, for Exclusive's wiring.
type lockingStore struct{ *fakeStore }

func (d *lockingStore) LoadLocked(ctx context.Context, name, token, _ string, _ time.Duration) (*runtime.Record, error) {
	return d.Load(ctx, name, token)
}

func (d *lockingStore) Unlock(context.Context, string, string, string) error { return nil }

// TestDeadlineIsFixedAtIssue: a session's absolute end is decided when it
// is issued; a later deploy that raises Lifetime does not extend it (so an
// owner index keyed by it stays exact), one that lowers it ends it sooner.
func TestDeadlineIsFixedAtIssue(t *testing.T) {
	for _, tc := range []struct {
		lifetime, after time.Duration
		alive           bool
	}{
		{24 * time.Hour, 90 * time.Minute, true},
		{24 * time.Hour, 121 * time.Minute, false}, // raised, but the session was issued for 2h
		{time.Hour, 61 * time.Minute, false},       // lowered: ends sooner
		{time.Hour, 59 * time.Minute, true},
	} {
		d := newStore()
		issued := sessiontest.NewHarness(t, d, runtime.Options{IdleTimeout: 10 * time.Hour, Lifetime: 2 * time.Hour})
		issued.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
		later := sessiontest.NewHarness(t, d, runtime.Options{IdleTimeout: 10 * time.Hour, Lifetime: tc.lifetime})
		later.Clock.Advance(issued.Clock.Now().Sub(later.Clock.Now()) + tc.after)
		later.SetCookie(issued.Cookie())
		var user string
		later.Do(func(_ http.ResponseWriter, s *runtime.Session) { user, _ = runtime.Lookup(s, "user", str) })
		if alive := user == "ada"; alive != tc.alive {
			t.Errorf("Lifetime %v, %v after issue: alive %v, want %v", tc.lifetime, tc.after, alive, tc.alive)
		}
	}
}
