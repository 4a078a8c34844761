package runtime_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

var str = runtime.String[string]{}

func TestNewManagerRejectsInvalidOptions(t *testing.T) {
	for name, o := range map[string]runtime.Options{
		"bad name":           {Name: "a b"},
		"name with =":        {Name: "a=b"},
		"path with ;":        {Path: "/;x"},
		"none without tls":   {SameSite: http.SameSiteNoneMode, Insecure: true},
		"partitioned no tls": {Partitioned: true, Insecure: true},
		"negative idle":      {IdleTimeout: -time.Second},
		"touch >= idle":      {IdleTimeout: time.Minute, TouchInterval: time.Minute},
		"unknown samesite":   {SameSite: 42},
	} {
		if _, err := runtime.NewManager(memory.New(), o); !errors.Is(err, runtime.ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", name, err)
		}
	}
	if _, err := runtime.NewManager(nil, runtime.Options{}); !errors.Is(err, runtime.ErrInvalidOptions) {
		t.Errorf("nil driver: err = %v", err)
	}
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := m.Options()
	if o.Name != "session" || o.Path != "/" || o.SameSite != http.SameSiteLaxMode || o.IdleTimeout != time.Hour ||
		o.Lifetime != 24*time.Hour || o.TouchInterval != time.Minute || o.Insecure || o.Persist {
		t.Errorf("defaults: %+v", o)
	}
}

func TestCookieAttributes(t *testing.T) {
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{
		Name: "sid", Path: "/app", Domain: "example.test", SameSite: http.SameSiteStrictMode, Partitioned: true,
	})
	var c string
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "k", "v", str)
	}))
	resp, err := h.Client.Get(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c = resp.Header.Get("Set-Cookie")
	for _, want := range []string{"sid=", "; Path=/app", "; Domain=example.test", "; HttpOnly", "; Secure", "; SameSite=Strict", "; Partitioned"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %q", c, want)
		}
	}
	h2 := sessiontest.NewHarness(t, memory.New(), runtime.Options{Insecure: true})
	resp = h2.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "k", "v", str) })
	if c := resp.Header.Get("Set-Cookie"); strings.Contains(c, "Secure") {
		t.Errorf("Insecure cookie still Secure: %q", c)
	}
}

func TestLazyLoad(t *testing.T) {
	d := &countingDriver{Driver: memory.New()}
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "k", "v", str) })
	loads := d.loads.Load()
	// A handler that never asks for its session: no driver call at all.
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	resp, err := h.Client.Get(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := d.loads.Load(); got != loads {
		t.Errorf("untouched session cost %d driver loads", got-loads)
	}
}

func TestSaveHappensBeforeFirstWrite(t *testing.T) {
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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
	h2 := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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
	h := sessiontest.NewHarness(t, memory.New(), runtime.Options{})
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

func TestLoadErrorIsTheAppsToHandle(t *testing.T) {
	d := &countingDriver{Driver: memory.New()}
	m, err := runtime.NewManager(d, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fromErr error
	srv := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, fromErr = runtime.From(r.Context())
		runtime.ServeError(w, r, fromErr)
	}))
	d.fail.Store(true)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: runtime.NewID()})
	w := httptest.NewRecorder()
	srv.ServeHTTP(w, r)
	if !errors.Is(fromErr, runtime.ErrLoad) || !errors.Is(fromErr, errStoreDown) {
		t.Errorf("From: %v, want ErrLoad wrapping the driver's error", fromErr)
	}
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("ServeError status %d, want 503", w.Code)
	}
}

func TestSaveErrorReplacesResponse(t *testing.T) {
	d := &countingDriver{Driver: memory.New()}
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	d.failSave.Store(true)
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		runtime.Store(s, "k", "v", str)
		if _, err := io.WriteString(w, "handler body"); err == nil {
			t.Error("Write after a failed save did not report an error")
		}
	})
	if h.Status != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", h.Status)
	}
	if errs := h.Errs(); len(errs) != 1 || !errors.Is(errs[0], runtime.ErrSave) {
		t.Errorf("errors %v, want one ErrSave", errs)
	}
}

var errStoreDown = errors.New("store down")

// countingDriver wraps a real driver, counting loads and failing on demand.
type countingDriver struct {
	*memory.Driver
	loads          atomic.Int64
	fail, failSave atomic.Bool
}

func (d *countingDriver) Load(ctx context.Context, name, token string) (*runtime.Record, error) {
	d.loads.Add(1)
	if d.fail.Load() {
		return nil, errStoreDown
	}
	return d.Driver.Load(ctx, name, token)
}

func (d *countingDriver) Save(ctx context.Context, name string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	if d.failSave.Load() {
		return "", errStoreDown
	}
	return d.Driver.Save(ctx, name, rec, ch)
}

// TestDefaultErrorHandlerAnswers503WhenTheStoreFails: without a cookie a
// visitor's first contact with a down store is the save, which must answer
// as the load does (503), not 500.
func TestDefaultErrorHandlerAnswers503WhenTheStoreFails(t *testing.T) {
	d := &countingDriver{Driver: memory.New()}
	m, err := runtime.NewManager(d, runtime.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	d.failSave.Store(true)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "k", "v", str)
	})
	w := httptest.NewRecorder()
	m.Middleware(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("failed save: status %d, want 503", w.Code)
	}
	// A cookie too large is the application's to fix: 500.
	m, err = runtime.NewManager(bigTokens{d.Driver}, runtime.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	w = httptest.NewRecorder()
	m.Middleware(h).ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	if w.Code != http.StatusInternalServerError {
		t.Errorf("cookie too large: status %d, want 500", w.Code)
	}
}

// bigTokens is a driver whose cookie values are too large for a browser.
type bigTokens struct{ *memory.Driver }

func (bigTokens) Save(context.Context, string, *runtime.Record, *runtime.Changes) (string, error) {
	return strings.Repeat("a", 5000), nil
}
