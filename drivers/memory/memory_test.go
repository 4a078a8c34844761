package memory_test

import (
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

func TestConformance(t *testing.T) {
	sessiontest.Run(t, func(*testing.T) runtime.Driver { return memory.New() })
}

func TestFakeClockInThePast(t *testing.T) {
	past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return past }
	m, err := runtime.NewManager(memory.NewWithOptions(memory.Options{Clock: now}), runtime.Options{Clock: now})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		if r.URL.Path == "/set" {
			runtime.Store(s, "k", "v", runtime.String[string]{})
		}
		got, _ = runtime.Lookup(s, "k", runtime.String[string]{})
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/set", nil))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(rec.Result().Cookies()[0])
	got = ""
	h.ServeHTTP(httptest.NewRecorder(), r)
	if got != "v" {
		t.Error("with the manager's and the driver's clocks in 2020, the session did not load")
	}
}

// A slow request that saves after another request logged out must not bring
// the session back.
func TestSlowRequestCannotUndoLogout(t *testing.T) {
	d := memory.New()
	rec := &runtime.Record{ID: runtime.NewID(), Created: time.Now(), Active: time.Now(), Expires: time.Now().Add(time.Hour),
		Data: map[string][]byte{"user": {0xa3, 'a', 'd', 'a'}}}
	if _, err := d.Save(t.Context(), "session", rec, &runtime.Changes{New: true, DataSet: []string{"user"}}); err != nil {
		t.Fatal(err)
	}
	slow, err := d.Load(t.Context(), "session", rec.ID) // request A loads
	if err != nil || slow == nil {
		t.Fatal(err)
	}
	// Request B logs out: everything removed, new (empty) ID.
	if _, err := d.Save(t.Context(), "session", &runtime.Record{ID: runtime.NewID(), Expires: rec.Expires},
		&runtime.Changes{OldID: rec.ID, Cleared: true}); err != nil {
		t.Fatal(err)
	}
	// Request A writes an unrelated key.
	slow.Data["theme"] = []byte{0xa4, 'd', 'a', 'r', 'k'}
	_, err = d.Save(t.Context(), "session", slow, &runtime.Changes{DataSet: []string{"theme"}})
	if !errors.Is(err, runtime.ErrSessionGone) {
		t.Errorf("save into a logged-out session: %v, want ErrSessionGone", err)
	}
	if got, _ := d.Load(t.Context(), "session", rec.ID); got != nil {
		t.Errorf("the logged-out session came back: %v", got.Data)
	}
}

// TestBoundedByMaxBytes: forty times more anonymous writing requests than
// the bound holds leave at most MaxBytes stored, a bounded heap, and the
// most recent visitors' sessions; the earliest visitor is evicted and gets
// a fresh session.
func TestBoundedByMaxBytes(t *testing.T) {
	const maxBytes = 256 << 10
	d := memory.NewWithOptions(memory.Options{MaxBytes: maxBytes})
	m, err := runtime.NewManager(d, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	str := runtime.String[string]{}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		if _, ok := runtime.Lookup(s, "csrf", str); !ok {
			runtime.Store(s, "csrf", runtime.NewID(), str)
		}
		runtime.Flash(s, "notice", "Welcome! Your cart is empty.", str)
	}))
	visit := func(cookie *http.Cookie) *http.Cookie {
		r := httptest.NewRequest("GET", "/", nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if cs := w.Result().Cookies(); len(cs) > 0 {
			return cs[0]
		}
		return cookie
	}
	var before, after goruntime.MemStats
	goruntime.GC()
	goruntime.ReadMemStats(&before)
	first := visit(nil)
	var last *http.Cookie
	for range 20000 {
		last = visit(nil)
		if n := d.Bytes(); n > maxBytes {
			t.Fatalf("stored %d bytes, over the %d bound", n, maxBytes)
		}
	}
	goruntime.GC()
	goruntime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 4<<20 {
		t.Errorf("heap grew by %d bytes for a %d-byte bound", grown, maxBytes)
	}
	if n := d.Len(); n < 100 || n > maxBytes/400 {
		t.Errorf("%d sessions stored under a %d-byte bound", n, maxBytes)
	}
	if got, err := d.Load(t.Context(), "session", last.Value); err != nil || got == nil {
		t.Errorf("the most recent visitor's session was evicted: %v", err)
	}
	if got, _ := d.Load(t.Context(), "session", first.Value); got != nil {
		t.Error("the earliest visitor's session survived 20000 newer ones")
	}
	if c := visit(first); c == nil || c.Value == first.Value {
		t.Error("an evicted visitor did not get a fresh session")
	}
}

// TestUseKeepsASessionFromEviction: loading a session makes it recently
// used, so an active visitor outlasts idle ones.
func TestUseKeepsASessionFromEviction(t *testing.T) {
	d := memory.NewWithOptions(memory.Options{MaxBytes: 8 << 10})
	save := func() string {
		rec := &runtime.Record{ID: runtime.NewID(), Created: time.Now(), Active: time.Now(), Expires: time.Now().Add(time.Hour),
			Data: map[string][]byte{"k": make([]byte, 100)}}
		if _, err := d.Save(t.Context(), "session", rec, &runtime.Changes{New: true, DataSet: []string{"k"}}); err != nil {
			t.Fatal(err)
		}
		return rec.ID
	}
	active := save()
	for range 200 {
		save()
		if got, _ := d.Load(t.Context(), "session", active); got == nil {
			t.Fatal("a session used between every save was evicted")
		}
	}
	big := &runtime.Record{ID: runtime.NewID(), Expires: time.Now().Add(time.Hour), Data: map[string][]byte{"k": make([]byte, 9<<10)}}
	if _, err := d.Save(t.Context(), "session", big, &runtime.Changes{New: true, DataSet: []string{"k"}}); err == nil {
		t.Error("a session larger than MaxBytes was stored")
	}
}

func TestServerSide(t *testing.T) {
	sessiontest.RunServerSide(t, func(*testing.T) runtime.Driver { return memory.New() })
}

// TestRefusedSaveKeepsTheStoredSession: a session grown past MaxBytes is
// refused with ErrTooLarge (500: no retry can succeed) before anything
// changes, so the visitor keeps what was stored.
func TestRefusedSaveKeepsTheStoredSession(t *testing.T) {
	d := memory.NewWithOptions(memory.Options{MaxBytes: 4096})
	m, err := runtime.NewManager(d, runtime.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	str := runtime.String[string]{}
	var user string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		switch r.URL.Path {
		case "/login":
			runtime.Store(s, "user", "ada", str)
		case "/upload":
			runtime.Store(s, "upload", strings.Repeat("x", 8000), str)
		default:
			user, _ = runtime.Lookup(s, "user", str)
		}
	}))
	serve := func(path string, cookie *http.Cookie) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		if cookie != nil {
			r.AddCookie(cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	cookie := serve("/login", nil).Result().Cookies()[0]
	if w := serve("/upload", cookie); w.Code != http.StatusInternalServerError {
		t.Errorf("an oversized save answered %d, want 500", w.Code)
	}
	serve("/", cookie)
	if user != "ada" || d.Len() != 1 {
		t.Errorf("after a refused save: user %q, %d sessions stored; want ada's session kept", user, d.Len())
	}
}
