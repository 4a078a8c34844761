package cookie_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessgen/sessgen/runtime"
)

var (
	cartID = runtime.Signed[int64]{}
	user   = runtime.String[string]{}
	items  = runtime.Value[[]string]{}
)

// benchCycle runs the benchmark request cycle: an existing session cookie
// arrives, the handler reads an int64 and a string and (unless readOnly)
// writes a []string of three, and the cookie is re-issued.
func benchCycle(b *testing.B, readOnly bool) {
	m, err := runtime.NewManager(newDriver(b, secret1), runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	list := []string{"apple", "banana", "cherry"}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			b.Fatal(err)
		}
		id, _ := runtime.Lookup(s, "cart_id", cartID)
		name, _ := runtime.Lookup(s, "user", user)
		if id == 0 || name == "" {
			b.Fatal("session values missing")
		}
		if !readOnly {
			runtime.Store(s, "items", list, items)
		}
	}))
	// Make the session the browser sends.
	setup := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "cart_id", 1234567, cartID)
		runtime.Store(s, "user", "ada@example.com", user)
		runtime.Store(s, "items", list, items)
	}))
	rec := httptest.NewRecorder()
	setup.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cookie := rec.Result().Cookies()[0]
	header := cookie.Name + "=" + cookie.Value
	b.ReportMetric(float64(len(header)), "cookie-bytes")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/cart", nil)
		r.Header.Set("Cookie", header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if !readOnly && len(w.Header()["Set-Cookie"]) != 1 {
			b.Fatal("cookie not re-issued")
		}
	}
}

// BenchmarkCycle is one full request with the cookie driver: load, read
// two values, write one, re-issue the cookie.
func BenchmarkCycle(b *testing.B) { benchCycle(b, false) }

// BenchmarkCycleReadOnly is the same request without the write: nothing is
// re-issued.
func BenchmarkCycleReadOnly(b *testing.B) { benchCycle(b, true) }

// BenchmarkFloor is net/http's and httptest's own share of the cycle: a
// handler that reads a cookie of the same size and sets it again.
func BenchmarkFloor(b *testing.B) {
	value := make([]byte, 178)
	for i := range value {
		value[i] = 'A'
	}
	header := "session=" + string(value)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			b.Fatal(err)
		}
		http.SetCookie(w, c)
	})
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/cart", nil)
		r.Header.Set("Cookie", header)
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
