package memory_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
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
	m, err := runtime.NewManager(memory.NewWithClock(now), runtime.Options{Clock: now})
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
