package echosession_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
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
		e, cookie := echoCycle(b, benchManager(b))
		b.ReportAllocs()
		for b.Loop() {
			if w := serve(e, cookie); w.Code != 200 || len(w.Header()["Set-Cookie"]) != 1 {
				b.Fatalf("status %d, Set-Cookie %q", w.Code, w.Header()["Set-Cookie"])
			}
		}
	})
}

// BenchmarkFloor is the same request without sessions: a handler that reads
// the cookie and sets it again, as an http.HandlerFunc (via=net-http) and as
// an echo route (via=echo).
func BenchmarkFloor(b *testing.B) {
	cookie := "session=" + string(bytes.Repeat([]byte("A"), 178))
	floor := func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("session")
		if err != nil {
			b.Fatal(err)
		}
		http.SetCookie(w, c)
	}
	e := echo.New()
	e.GET("/cart", echo.WrapHandler(http.HandlerFunc(floor)))
	for _, via := range []struct {
		name string
		h    http.Handler
	}{{"net-http", http.HandlerFunc(floor)}, {"echo", e}} {
		b.Run("via="+via.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				serve(via.h, cookie)
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

// echoCycle returns a server answering sessiontest's cycle at GET /cart
// and the Cookie header of the session it stored for it.
func echoCycle(b *testing.B, m *runtime.Manager) (*echo.Echo, string) {
	e := echo.New()
	e.Use(echosession.Middleware(m))
	session := func(c echo.Context) *runtime.Session {
		s, err := runtime.From(c.Request().Context())
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	e.GET("/setup", func(c echo.Context) error {
		s := session(c)
		runtime.Store(s, "cart_id", sessiontest.CartID, sessiontest.CartCodec)
		runtime.Store(s, "user", sessiontest.User, sessiontest.UserCodec)
		runtime.Store(s, "items", sessiontest.Items, sessiontest.ItemCodec)
		return nil
	})
	e.GET("/cart", func(c echo.Context) error {
		s := session(c)
		id, _ := runtime.Lookup(s, "cart_id", sessiontest.CartCodec)
		name, _ := runtime.Lookup(s, "user", sessiontest.UserCodec)
		if id != sessiontest.CartID || name != sessiontest.User {
			b.Fatalf("session values: %d %q", id, name)
		}
		runtime.Store(s, "items", sessiontest.Items, sessiontest.ItemCodec)
		return nil
	})
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("GET", "/setup", nil))
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		b.Fatalf("setup request set %d cookies", len(cookies))
	}
	return e, cookies[0].Name + "=" + cookies[0].Value
}

// serve makes one GET /cart request with the Cookie header cookie, building
// a fresh request and recorder as sessiontest's cycle does.
func serve(h http.Handler, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/cart", nil)
	r.Header.Set("Cookie", cookie)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
