package echosession_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/sessgen/sessgen/adapters/echosession"
	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// BenchmarkCycle is internal/sessiontest's request cycle with the cookie
// driver (an existing session arrives; the handler reads an int64 and a
// string and writes a []string of three; the cookie is re-issued), served
// through plain net/http (via=net-http: the manager's middleware around an
// http.Handler) and through an echo server with Middleware (via=echo). The
// difference is what echo and the adapter add; BenchmarkFloor has echo's
// own share.
func BenchmarkCycle(b *testing.B) {
	b.Run("via=net-http", func(b *testing.B) {
		c := sessiontest.NewCycle(b, benchManager(b), false)
		b.ReportAllocs()
		for b.Loop() {
			if w := c.Serve(b); len(w.Header()["Set-Cookie"]) != 1 {
				b.Fatal("cookie not re-issued")
			}
		}
	})
	b.Run("via=echo", func(b *testing.B) {
		c := sessiontest.NewCycleOn(b, echoCycle(b, benchManager(b)))
		b.ReportAllocs()
		for b.Loop() {
			if w := c.Serve(b); len(w.Header()["Set-Cookie"]) != 1 {
				b.Fatal("cookie not re-issued")
			}
		}
	})
}

// BenchmarkFloor is the same request without sessions: a handler that reads
// the cookie and sets it again, as an http.HandlerFunc (via=net-http) and as
// an echo route (via=echo).
func BenchmarkFloor(b *testing.B) {
	floor := func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil { // the setup request
			c = &http.Cookie{Name: "session", Value: strings.Repeat("A", 178)}
		}
		http.SetCookie(w, c)
	}
	e := echo.New()
	e.GET("/setup", echo.WrapHandler(http.HandlerFunc(floor)))
	e.GET("/cart", echo.WrapHandler(http.HandlerFunc(floor)))
	for _, via := range []struct {
		name string
		h    http.Handler
	}{{"net-http", http.HandlerFunc(floor)}, {"echo", e}} {
		b.Run("via="+via.name, func(b *testing.B) {
			c := sessiontest.NewCycleOn(b, via.h)
			b.ReportAllocs()
			for b.Loop() {
				c.Serve(b)
			}
		})
	}
}

func benchManager(b *testing.B) *runtime.Manager {
	d, err := cookie.New(bytes.Repeat([]byte("k"), cookie.MinSecretLen))
	if err != nil {
		b.Fatal(err)
	}
	m, err := runtime.NewManager(d, runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// echoCycle returns a server answering sessiontest's cycle with m's sessions.
func echoCycle(b *testing.B, m *runtime.Manager) *echo.Echo {
	e := echo.New()
	e.Use(echosession.Middleware(m))
	e.GET("/setup", func(c echo.Context) error {
		sessiontest.Fill(b, c.Request())
		return nil
	})
	e.GET("/cart", func(c echo.Context) error {
		sessiontest.Visit(b, c.Request(), sessiontest.Store)
		return nil
	})
	return e
}
