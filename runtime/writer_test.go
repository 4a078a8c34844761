package runtime_test

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

func TestRegenerateAfterHeadersKeepsTheSession(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		io.WriteString(w, "headers are out")
		s.Regenerate()
	})
	if errs := h.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrHeadersWritten) {
		t.Errorf("errors %v, want one ErrHeadersWritten", errs)
	}
	var user string
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { user, _ = runtime.Lookup(s, "user", str) })
	if user != "ada" {
		t.Errorf("after a too-late Regenerate the browser's session reads user=%q, want it intact", user)
	}
}

func TestInvalidateAfterHeadersStillLogsOut(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		io.WriteString(w, "headers are out")
		s.Invalidate()
	})
	if errs := h.Errs(); len(errs) != 0 {
		t.Errorf("errors %v: a server-side logout needs no new cookie", errs)
	}
	var ok bool
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { _, ok = runtime.Lookup(s, "user", str) })
	if ok {
		t.Error("the session survived Invalidate")
	}
}

// unwrapOnly exposes the underlying writer only through Unwrap, as modern
// middleware does.
type unwrapOnly struct{ http.ResponseWriter }

func (u unwrapOnly) Unwrap() http.ResponseWriter { return u.ResponseWriter }

func TestFlushThroughUnwrapChain(t *testing.T) {
	m, err := runtime.NewManager(newStore(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "event")
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(unwrapOnly{rec}, httptest.NewRequest("GET", "/", nil))
	if !rec.Flushed {
		t.Error("Flush did not reach the writer behind an Unwrap-only wrapper")
	}
}

func TestFailedHijackKeepsTheResponse(t *testing.T) {
	m, err := runtime.NewManager(newStore(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "k", "v", str)
		if _, _, err := http.NewResponseController(w).Hijack(); err == nil {
			t.Fatal("a recorder cannot be hijacked")
		}
		io.WriteString(w, "fallback")
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Header().Get("Set-Cookie") == "" {
		t.Error("after a failed Hijack the response lost its session cookie")
	}
}

func TestVaryCookieWheneverTheSessionIsUsed(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "k", "v", str) })
	resp := h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		w.Header().Set("Vary", "Accept-Encoding")
		s.Has("k")
	})
	if got := resp.Header.Values("Vary"); strings.Join(got, ",") != "Accept-Encoding,Cookie" {
		t.Errorf("read-only response Vary = %q, want Accept-Encoding and Cookie", got)
	}
	if resp.Header.Get("Set-Cookie") != "" || resp.Header.Get("Cache-Control") != "" {
		t.Error("a read-only request set a cookie or Cache-Control")
	}
}

func TestErrorHandlerDropsTheReplacedResponsesHeaders(t *testing.T) {
	d := newSealer("k")
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	big := make([]byte, 5000)
	resp := h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		runtime.Store(s, "big", big, runtime.Bytes[[]byte]{})
		http.SetCookie(w, &http.Cookie{Name: "csrf", Value: "abc"})
		w.Header().Set("Location", "/next")
		w.WriteHeader(http.StatusSeeOther)
	})
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if resp.Header.Get("Location") != "" || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("the error response kept the handler's headers: %v", resp.Header)
	}
	h.Errs()
}

// Reading a session only after the headers went out (a streamed template)
// reports nothing when nothing the request did needed saving: an expired
// session's removal, a re-seal with the current key and a touch of the
// recorded activity all wait for a later request.
func TestReadAfterHeadersNeedsNoSave(t *testing.T) {
	old := newSealer("o")
	for name, tc := range map[string]struct {
		d       runtime.Driver
		prepare func(h *sessiontest.Harness)
	}{
		"expired":   {newSealer("o"), func(h *sessiontest.Harness) { h.Clock.Advance(2 * time.Hour) }},
		"touch due": {newSealer("o"), func(h *sessiontest.Harness) { h.Clock.Advance(10 * time.Minute) }},
		"stale seal": {old.sealedWith("n", "o"), func(h *sessiontest.Harness) {
			prev := sessiontest.NewHarness(t, old, runtime.Options{})
			prev.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
			h.SetCookie(prev.Cookie())
		}},
	} {
		t.Run(name, func(t *testing.T) {
			h := sessiontest.NewHarness(t, tc.d, runtime.Options{})
			h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
			tc.prepare(h)
			var user string
			h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, "streamed, then: ")
				s, _ := runtime.From(r.Context())
				user, _ = runtime.Lookup(s, "user", str)
			}))
			resp, err := h.Client.Get(h.Server.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if errs := h.Errs(); len(errs) != 0 {
				t.Errorf("errors %v", errs)
			}
			if want := map[bool]string{true: "", false: "ada"}[name == "expired"]; user != want {
				t.Errorf("user = %q, want %q", user, want)
			}
		})
	}
}

func TestLoginThenLogoutAfterHeaders(t *testing.T) {
	d := newStore()
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
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
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
	h := sessiontest.NewHarness(t, newSealer("k"), runtime.Options{})
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

func TestSaveHappensBeforeFirstWrite(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	resp := h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		runtime.Store(s, "k", "v", str)
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "body")
	})
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Set-Cookie") == "" {
		t.Errorf("status %d, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
}

func TestChangeAfterHeaders(t *testing.T) {
	// Server-side stores keep the same cookie, so a late change is saved.
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "a", "1", str) })
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		io.WriteString(w, "already sent")
		w.(http.Flusher).Flush()
		runtime.Store(s, "late", "saved", str)
	})
	var late string
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { late, _ = runtime.Lookup(s, "late", str) })
	if late != "saved" {
		t.Errorf("late change on a server-side store: %q, want saved", late)
	}
	if errs := h.Errs(); len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}

	// A brand-new session needs a cookie, which can no longer be sent:
	// reported, not silently dropped.
	h2 := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	h2.Do(func(w http.ResponseWriter, s *runtime.Session) {
		io.WriteString(w, "already sent")
		runtime.Store(s, "late", "lost", str)
	})
	errs := h2.Errs()
	if len(errs) != 1 || !errors.Is(errs[0], runtime.ErrHeadersWritten) {
		t.Errorf("late change needing a new cookie: errors %v, want ErrHeadersWritten", errs)
	}
}

func TestResponseControllerAndHijack(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		runtime.Store(s, "k", "v", str)
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("ResponseController through the wrapper: %v", err)
		}
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
	})
	if h.Cookie() == "" {
		t.Error("Flush did not commit the session cookie")
	}

	// Hijack: the connection is handed over, a change that keeps the cookie is
	// saved when the handler returns. done closes once the middleware has
	// finished, since the hijacked response reaches the client before that.
	done := make(chan struct{})
	hijacking := h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		runtime.Store(s, "hijacked", "yes", str)
		buf.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		buf.Flush()
	}))
	h.Server.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hijacking.ServeHTTP(w, r)
		close(done)
	})
	tr := h.Client.Transport.(*http.Transport).Clone()
	tr.ForceAttemptHTTP2 = false
	tr.TLSClientConfig.NextProtos = []string{"http/1.1"}
	c := &http.Client{Transport: tr, Jar: h.Client.Jar}
	resp, err := c.Get(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := bufio.NewReader(resp.Body).ReadString(0)
	resp.Body.Close()
	if body != "ok" {
		t.Errorf("hijacked body %q", body)
	}
	<-done
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		v, _ := runtime.Lookup(s, "hijacked", str)
		io.WriteString(w, v)
	}))
	resp, err = h.Client.Get(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "yes" {
		t.Errorf("change made after Hijack: %q, want yes", b)
	}
}
