package ginsession_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessgen/sessgen/adapters/ginsession"
	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// BenchmarkCycle is internal/sessiontest's request cycle with the cookie
// driver (an existing session arrives; the handler reads an int64 and a
// string and writes a []string of three; the cookie is re-issued), served
// through plain net/http (via=net-http: the manager's middleware around an
// http.Handler) and through a gin engine with Middleware (via=gin). The
// difference is what gin and the adapter add; BenchmarkFloor has gin's own
// share.
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
	b.Run("via=gin", func(b *testing.B) {
		c := sessiontest.NewCycleOn(b, ginCycle(b, benchManager(b)))
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
// a gin route (via=gin).
func BenchmarkFloor(b *testing.B) {
	floor := func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil { // the setup request
			c = &http.Cookie{Name: "session", Value: strings.Repeat("A", 178)}
		}
		http.SetCookie(w, c)
	}
	e := gin.New()
	e.GET("/setup", gin.WrapF(floor))
	e.GET("/cart", gin.WrapF(floor))
	for _, via := range []struct {
		name string
		h    http.Handler
	}{{"net-http", http.HandlerFunc(floor)}, {"gin", e}} {
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

// ginCycle returns an engine answering sessiontest's cycle with m's sessions.
func ginCycle(b *testing.B, m *runtime.Manager) *gin.Engine {
	e := gin.New()
	e.Use(ginsession.Middleware(m))
	e.GET("/setup", func(c *gin.Context) {
		sessiontest.Fill(b, c.Request)
	})
	e.GET("/cart", func(c *gin.Context) {
		sessiontest.Visit(b, c.Request, sessiontest.Store)
	})
	return e
}
