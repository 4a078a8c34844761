package cookie_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// benchCycle runs sessiontest's benchmark cycle with the cookie driver.
func benchCycle(b *testing.B, readOnly bool) {
	m, err := runtime.NewManager(newDriver(b, secret1), runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	c := sessiontest.NewCycle(b, m, readOnly)
	b.ReportAllocs()
	for b.Loop() {
		w := c.Serve(b)
		if reissued := len(w.Header()["Set-Cookie"]) == 1; reissued == readOnly {
			b.Fatalf("cookie re-issued: %v (read-only: %v)", reissued, readOnly)
		}
	}
	b.ReportMetric(float64(c.CookieBytes()), "cookie-bytes") // after the loop: b.Loop resets metrics
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
	header := "session=" + strings.Repeat("A", 178)
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
