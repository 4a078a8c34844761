package runtime_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

var str = runtime.String[string]{}

func TestLazyLoad(t *testing.T) {
	d := newStore()
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

func TestLoadErrorIsTheAppsToHandle(t *testing.T) {
	d := newStore()
	m, err := runtime.NewManager(d, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var fromErr error
	srv := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, fromErr = runtime.From(r.Context())
		runtime.ServeError(w, r, fromErr)
	}))
	d.failLoad.Store(true)
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
	d := newStore()
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

// TestDefaultErrorHandlerAnswers503WhenTheStoreFails: without a cookie a
// visitor's first contact with a down store is the save, which must answer
// as the load does (503), not 500.
func TestDefaultErrorHandlerAnswers503WhenTheStoreFails(t *testing.T) {
	d := newStore()
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
	m, err = runtime.NewManager(bigTokens{newStore()}, runtime.Options{Logger: slog.New(slog.DiscardHandler)})
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
type bigTokens struct{ *fakeStore }

func (bigTokens) Save(context.Context, string, *runtime.Record, *runtime.Changes) (string, error) {
	return strings.Repeat("a", 5000), nil
}

func TestLoginStartsANewLifetime(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{})
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

// ctxDriver refuses to save with a cancelled context, as a network store
// would.
type ctxDriver struct{ *fakeStore }

func (d ctxDriver) Save(ctx context.Context, name string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	return d.fakeStore.Save(ctx, name, rec, ch)
}

func TestSaveOutlivesAClientThatLeft(t *testing.T) {
	m, err := runtime.NewManager(ctxDriver{newStore()}, runtime.Options{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
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

// cancelDuringSave cancels the request's context while the save is under
// way, as a client that leaves or a handler deadline would, and fails the
// save if that reached it.
type cancelDuringSave struct {
	*fakeStore
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
	return d.fakeStore.Save(ctx, name, rec, ch)
}

func TestRequestCancelledDuringSave(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	m, err := runtime.NewManager(cancelDuringSave{newStore(), cancel}, runtime.Options{
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

// A request whose session another request ended meanwhile tries to save
// once, and reports nothing, even when it changes more after the headers.
func TestSessionGoneIsDroppedOnce(t *testing.T) {
	d := newStore()
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
