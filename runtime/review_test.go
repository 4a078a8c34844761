package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

func TestRegenerateAfterHeadersKeepsTheSession(t *testing.T) {
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
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
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
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

func TestLoginStartsANewLifetime(t *testing.T) {
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "cart", "1", str) })
	for range 47 { // browsing anonymously for 23.5 hours
		h.Clock.Advance(30 * time.Minute)
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Has("cart") })
	}
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate(); runtime.Store(s, "user", "ada", str) })
	h.Clock.Advance(45 * time.Minute)
	var user string
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { user, _ = runtime.Lookup(s, "user", str) })
	if user != "ada" {
		t.Error("a session regenerated at login inherited the anonymous session's absolute lifetime")
	}
}

func TestVaryCookieWheneverTheSessionIsUsed(t *testing.T) {
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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
	d, err := cookie.New(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
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

func TestACookieForAnotherPathDoesNotHideTheSession(t *testing.T) {
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		if r.URL.Path == "/set" {
			runtime.Store(s, "k", "v", str)
			return
		}
		got, _ = runtime.Lookup(s, "k", str)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/set", nil))
	valid := rec.Result().Cookies()[0].Value
	for _, header := range []string{
		"session=; session=" + valid,
		"session=garbage; session=" + valid,
		"session=" + runtime.NewID() + "; other=1; session=" + valid,
	} {
		got = ""
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != "v" {
			t.Errorf("Cookie: %.40s...: the valid session was not found", header)
		}
	}
}

func TestCookiePrefixRules(t *testing.T) {
	bad := []runtime.Options{
		{Name: "__Host-session", Domain: "example.com"},
		{Name: "__Host-session", Path: "/app"},
		{Name: "__Host-session", Insecure: true},
		{Name: "__Secure-session", Insecure: true},
	}
	for _, o := range bad {
		if _, err := runtime.NewManager(memory.New(), o); !errors.Is(err, runtime.ErrInvalidOptions) {
			t.Errorf("%+v: err = %v, want ErrInvalidOptions", o, err)
		}
	}
	if _, err := runtime.NewManager(memory.New(), runtime.Options{Name: "__Host-session"}); err != nil {
		t.Errorf("__Host-session with defaults: %v", err)
	}
}

func TestTouchAfterHeadersIsQuiet(t *testing.T) {
	d, err := cookie.New(bytes.Repeat([]byte("k"), 32))
	if err != nil {
		t.Fatal(err)
	}
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "k", "v", str) })
	h.Clock.Advance(10 * time.Minute)
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "streamed first, ")
		s, _ := runtime.From(r.Context())
		v, _ := runtime.Lookup(s, "k", str)
		io.WriteString(w, v)
	}))
	resp, err := h.Client.Get(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if errs := h.Errs(); len(errs) != 0 {
		t.Errorf("a read after the headers reported %v", errs)
	}
}

// ctxDriver refuses to save with a cancelled context, as a network store
// would.
type ctxDriver struct{ *memory.Driver }

func (d ctxDriver) Save(ctx context.Context, name string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return d.Driver.Save(ctx, name, rec, ch)
}

func TestSaveOutlivesAClientThatLeft(t *testing.T) {
	m, err := runtime.NewManager(ctxDriver{memory.New()}, runtime.Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		t.Errorf("save failed: %v", err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "order", "placed", str)
		cancel() // the client disconnects before the response
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(ctx))
	if rec.Header().Get("Set-Cookie") == "" {
		t.Error("the session was not saved after the client left")
	}
}
