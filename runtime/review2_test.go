package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// cancelDuringSave cancels the request's context while the save is under
// way, as a client that leaves or a handler deadline would, and fails the
// save if that reached it.
type cancelDuringSave struct {
	*memory.Driver
	cancel context.CancelFunc
}

func (d cancelDuringSave) Save(ctx context.Context, name string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	d.cancel()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, ok := ctx.Deadline(); ok {
		return "", errors.New("the save inherited the request's deadline")
	}
	return d.Driver.Save(ctx, name, rec, ch)
}

func TestRequestCancelledDuringSave(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	m, err := runtime.NewManager(cancelDuringSave{memory.New(), cancel}, runtime.Options{
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { t.Errorf("save failed: %v", err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "order", "placed", str)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil).WithContext(ctx))
}

// countingSaves counts Save calls.
type countingSaves struct {
	*memory.Driver
	saves atomic.Int32
}

func (d *countingSaves) Save(ctx context.Context, name string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	d.saves.Add(1)
	return d.Driver.Save(ctx, name, rec, ch)
}

// A request whose session another request ended meanwhile tries to save
// once, and reports nothing, even when it changes more after the headers.
func TestSessionGoneIsDroppedOnce(t *testing.T) {
	d := &countingSaves{Driver: memory.New()}
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	cookie := h.Cookie()
	loaded, loggedOut := make(chan struct{}), make(chan struct{})
	done := make(chan struct{})
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		if r.URL.Path == "/logout" {
			s.Invalidate()
			return
		}
		close(loaded)
		<-loggedOut
		runtime.Store(s, "cart", "book", str)
		io.WriteString(w, "page")
		s.Regenerate() // after the headers, on a session that is gone
	}))
	d.saves.Store(0)
	go func() {
		defer close(done)
		r, _ := http.NewRequest("GET", h.Server.URL+"/slow", nil)
		r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
		if resp, err := h.Client.Transport.RoundTrip(r); err == nil {
			resp.Body.Close()
		}
	}()
	<-loaded
	r, _ := http.NewRequest("GET", h.Server.URL+"/logout", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
	resp, err := h.Client.Transport.RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	close(loggedOut)
	<-done
	if n := d.saves.Load(); n != 2 { // the logout's and the slow request's one attempt
		t.Errorf("%d saves, want 2", n)
	}
	if errs := h.Errs(); len(errs) != 0 {
		t.Errorf("errors %v for a request whose session had ended", errs)
	}
	if d.Len() != 0 {
		t.Errorf("%d records left, want none", d.Len())
	}
}

func newCookieDriver(t *testing.T, secret []byte, previous ...[]byte) *cookie.Driver {
	t.Helper()
	d, err := cookie.New(secret, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// An expired cookie for a more specific path, sent first, must not hide
// the live session in the next one.
func TestExpiredCookieFirstThenLive(t *testing.T) {
	h := sessiontest.NewHarness(t, newCookieDriver(t, bytes.Repeat([]byte("k"), 32)), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "old", str) })
	stale := h.Cookie()
	h.Clock.Advance(2 * time.Hour)
	h.SetCookie("")
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	live := h.Cookie()
	var user string
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		user, _ = runtime.Lookup(s, "user", str)
	}))
	r, _ := http.NewRequest("GET", h.Server.URL, nil)
	r.Header.Set("Cookie", "session="+stale+"; session="+live)
	resp, err := h.Client.Transport.RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if user != "ada" {
		t.Errorf("user = %q, want the live session's ada", user)
	}
}

// Reading a session only after the headers went out (a streamed template)
// reports nothing when nothing the request did needed saving.
func TestReadAfterHeadersNeedsNoSave(t *testing.T) {
	old := bytes.Repeat([]byte("o"), 32)
	for name, tc := range map[string]struct {
		d       runtime.Driver
		prepare func(h *sessiontest.Harness)
	}{
		"expired": {newCookieDriver(t, old), func(h *sessiontest.Harness) { h.Clock.Advance(2 * time.Hour) }},
		"sealed with a previous key": {newCookieDriver(t, bytes.Repeat([]byte("n"), 32), old), func(h *sessiontest.Harness) {
			prev := sessiontest.NewHarness(t, newCookieDriver(t, old), runtime.Options{})
			prev.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
			h.SetCookie(prev.Cookie())
		}},
	} {
		t.Run(name, func(t *testing.T) {
			h := sessiontest.NewHarness(t, tc.d, runtime.Options{})
			h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
			tc.prepare(h)
			h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "streamed, then: ")
				s, _ := runtime.From(r.Context())
				v, _ := runtime.Lookup(s, "user", str)
				io.WriteString(w, v)
			}))
			resp, err := h.Client.Get(h.Server.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if errs := h.Errs(); len(errs) != 0 {
				t.Errorf("errors %v", errs)
			}
		})
	}
}

func TestLoginThenLogoutAfterHeaders(t *testing.T) {
	d := memory.New()
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		s.Regenerate()
		io.WriteString(w, "headers out")
		s.Invalidate()
	})
	if errs := h.Errs(); len(errs) != 0 {
		t.Errorf("errors %v: the logout destroyed the only record", errs)
	}
	if d.Len() != 0 {
		t.Errorf("%d records left", d.Len())
	}
}

func TestEmptiedThenSetAfterHeadersIsReported(t *testing.T) {
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		s.Reset() // empty: the record and the cookie go at the commit
		io.WriteString(w, "headers out")
		runtime.Store(s, "late", "x", str)
	})
	if errs := h.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrHeadersWritten) {
		t.Errorf("errors %v, want one ErrHeadersWritten", errs)
	}
}

func TestErrorPageKeepsSiteHeadersAndVaryIsNotRepeated(t *testing.T) {
	h := sessiontest.NewHarness(t, newCookieDriver(t, bytes.Repeat([]byte("k"), 32)), runtime.Options{})
	inner := h.Server.Config.Handler
	h.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'")
		inner.ServeHTTP(w, r)
	})
	resp := h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		runtime.Store(s, "big", make([]byte, 5000), runtime.Bytes[[]byte]{})
	})
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("status %d, CSP %q: the error page must keep the site's headers", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	h.Errs()
	resp = h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		w.Header().Set("Vary", "cookie")
		runtime.Store(s, "k", "v", str)
	})
	if v := resp.Header.Values("Vary"); len(v) != 1 {
		t.Errorf("Vary = %q, want the handler's one value", v)
	}
}

func TestCookiePrefixesIgnoreCase(t *testing.T) {
	if _, err := runtime.NewManager(memory.New(), runtime.Options{Name: "__host-session", Path: "/app"}); !errors.Is(err, runtime.ErrInvalidOptions) {
		t.Errorf("__host- with a Path: %v, want ErrInvalidOptions", err)
	}
}
