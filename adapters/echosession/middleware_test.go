package echosession_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/sessgen/sessgen/adapters/echosession"
	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/examples/cart"
	"github.com/sessgen/sessgen/runtime"
)

var str = runtime.String[string]{}

// drivers are the stores every round-trip test runs against: the cookie
// driver (the default, whose saves must reach the response's headers) and
// the memory driver (a server-side store keeping the session's ID).
var drivers = []struct {
	name string
	new  func(t *testing.T) runtime.Driver
}{
	{"cookie", func(t *testing.T) runtime.Driver {
		d, err := cookie.New(bytes.Repeat([]byte("k"), cookie.MinSecretLen))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}},
	{"memory", func(t *testing.T) runtime.Driver { return memory.New() }},
}

// A step is what the handler at "/" does with the request's session.
type step func(c echo.Context, s *runtime.Session) error

// harness is an echo server behind an HTTPS test server and a browser-like
// client with a cookie jar. The server runs, in order: a middleware that
// notes the Response's status and the error once the chain returned, echo's
// Recover, echosession.Middleware and a handler at "/" that runs the
// current step.
type harness struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	url    *url.URL

	mu     sync.Mutex
	step   step
	errs   []error // what the manager's ErrorHandler was given
	status int     // c.Response().Status as the outermost middleware saw it
	err    error   // the error the outermost middleware got
}

// newHarness starts a harness for d; configure, if given, adjusts the echo
// server before it starts.
func newHarness(t *testing.T, d runtime.Driver, configure ...func(*echo.Echo)) *harness {
	h := &harness{t: t}
	m, err := runtime.NewManager(d, runtime.Options{
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			h.mu.Lock()
			h.errs = append(h.errs, err)
			h.mu.Unlock()
			http.Error(w, "session error", http.StatusInternalServerError)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			h.mu.Lock()
			h.status, h.err = c.Response().Status, err
			h.mu.Unlock()
			return err
		}
	})
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisablePrintStack: true}))
	e.Use(echosession.Middleware(m))
	for _, f := range configure {
		f(e)
	}
	e.Any("/", func(c echo.Context) error {
		s, err := runtime.From(c.Request().Context())
		if err != nil {
			t.Errorf("runtime.From in an echo handler: %v", err)
			return err
		}
		h.mu.Lock()
		step := h.step
		h.mu.Unlock()
		return step(c, s)
	})
	h.srv = httptest.NewTLSServer(e)
	t.Cleanup(h.srv.Close)
	h.url, _ = url.Parse(h.srv.URL)
	jar, _ := cookiejar.New(nil)
	h.client = &http.Client{
		Jar:       jar,
		Transport: h.srv.Client().Transport,
		Timeout:   10 * time.Second,
		// Redirects are answers under test, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return h
}

// response is what the client received.
type response struct {
	*http.Response
	body string
}

// do makes one request whose handler runs st.
func (h *harness) do(method string, st step) response {
	h.t.Helper()
	h.mu.Lock()
	h.step = st
	h.mu.Unlock()
	req, err := http.NewRequest(method, h.srv.URL+"/", nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		h.t.Fatalf("%s /: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s /: reading the body: %v", method, err)
	}
	return response{resp, string(b)}
}

// get returns data key "v" as the next request reads it.
func (h *harness) get() string {
	h.t.Helper()
	var v string
	h.do("GET", func(c echo.Context, s *runtime.Session) error {
		v = orAbsent(runtime.Lookup(s, "v", str))
		return nil
	})
	return v
}

// takeErrs returns and forgets what the ErrorHandler was given.
func (h *harness) takeErrs() []error {
	h.mu.Lock()
	defer h.mu.Unlock()
	e := h.errs
	h.errs = nil
	return e
}

// outer returns what the outermost middleware saw of the last request.
func (h *harness) outer() (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status, h.err
}

// cookie returns the session cookie in the jar, "" if none.
func (h *harness) cookie() string {
	for _, c := range h.client.Jar.Cookies(h.url) {
		if c.Name == "session" {
			return c.Value
		}
	}
	return ""
}

// oldIDOpensNothing checks that the browser's cookie old, replaced by a
// regenerate or a logout, opens nothing any more when it was the session's
// ID id (a server-side store; a sealed cookie cannot be revoked).
func (h *harness) oldIDOpensNothing(old, id string) {
	h.t.Helper()
	if old != id {
		return
	}
	h.client.Jar.SetCookies(h.url, []*http.Cookie{{Name: "session", Value: old, Path: "/"}})
	if got := h.get(); got != "<absent>" {
		h.t.Errorf("under the replaced ID: %q, want nothing", got)
	}
}

func (h *harness) noErrors() {
	h.t.Helper()
	for _, err := range h.takeErrs() {
		h.t.Errorf("ErrorHandler called: %v", err)
	}
}

func orAbsent(v string, ok bool) string {
	if !ok {
		return "<absent>"
	}
	return v
}

func forEachDriver(t *testing.T, run func(t *testing.T, h *harness)) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			h := newHarness(t, d.new(t))
			run(t, h)
			h.noErrors()
		})
	}
}

var errBad = echo.NewHTTPError(http.StatusBadRequest, "bad")

// answers are the ways an echo handler answers, each with the response it
// gives when the session saves and the error the middleware before
// echosession gets. change makes the handler's change to the session.
var answers = []struct {
	name     string
	status   int
	body     string // "" for none
	location string // the Location header, for redirects
	err      error
	answer   func(c echo.Context, change func()) error
}{
	{"JSON", 200, "{\"ok\":true}\n", "", nil, func(c echo.Context, change func()) error {
		change()
		return c.JSON(200, map[string]bool{"ok": true})
	}},
	{"String", 200, "ok", "", nil, func(c echo.Context, change func()) error { change(); return c.String(200, "ok") }},
	{"Redirect", 302, "", "/next", nil, func(c echo.Context, change func()) error { change(); return c.Redirect(302, "/next") }},
	{"NoContent", 204, "", "", nil, func(c echo.Context, change func()) error { change(); return c.NoContent(204) }},
	{"Stream", 200, "ok ok ", "", nil, func(c echo.Context, change func()) error {
		change()
		return c.Stream(200, "text/plain", strings.NewReader("ok ok "))
	}},
	{"Flush", 200, "", "", nil, func(c echo.Context, change func()) error { change(); c.Response().Flush(); return nil }},
	// The handler's Before hooks run before the save.
	{"BeforeHook", 200, "ok", "", nil, func(c echo.Context, change func()) error {
		c.Response().Before(change)
		return c.String(200, "ok")
	}},
	{"HTTPError", 400, "{\"message\":\"bad\"}\n", "", errBad, func(c echo.Context, change func()) error { change(); return errBad }},
	{"Nothing", 200, "", "", nil, func(c echo.Context, change func()) error { change(); return nil }},
}

// TestSavedBeforeCommit: whichever way the handler answers, the session it
// changed goes out with the response's headers (Set-Cookie for a new
// session, Vary: Cookie always), both for a new session and for a change to
// an existing one. A handler's error is answered, with the session saved,
// and also reaches the middleware before echosession.
func TestSavedBeforeCommit(t *testing.T) {
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			forEachDriver(t, func(t *testing.T, h *harness) {
				for i, v := range []string{a.name + " new", a.name + " changed"} {
					resp := h.do("GET", func(c echo.Context, s *runtime.Session) error {
						return a.answer(c, func() { runtime.Store(s, "v", v, str) })
					})
					if resp.StatusCode != a.status || resp.body != a.body || resp.Header.Get("Location") != a.location {
						t.Errorf("request %d: %d %q Location %q, want %d %q Location %q",
							i, resp.StatusCode, resp.body, resp.Header.Get("Location"), a.status, a.body, a.location)
					}
					if i == 0 && len(resp.Header["Set-Cookie"]) != 1 {
						t.Errorf("new session: Set-Cookie %q, want one", resp.Header["Set-Cookie"])
					}
					if got := resp.Header.Get("Vary"); got != "Cookie" {
						t.Errorf("request %d: Vary %q, want Cookie (the session was saved after the headers went out?)", i, got)
					}
					if status, err := h.outer(); status != a.status || err != a.err {
						t.Errorf("request %d: the middleware before saw status %d and error %v, want %d and %v", i, status, err, a.status, a.err)
					}
					if got := h.get(); got != v {
						t.Errorf("request %d: next request reads %q, want %q", i, got, v)
					}
				}
			})
		})
	}
}

// TestSaveErrorReachesErrorHandler: a session too large for its cookie is
// reported to the ErrorHandler before the headers go out, whichever way the
// handler answers; the ErrorHandler's answer replaces the handler's (echo's
// error answer too), the Response the middleware before echosession holds
// says so, and the browser keeps its previous cookie and session.
func TestSaveErrorReachesErrorHandler(t *testing.T) {
	big := strings.Repeat("x", 5000)
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			h := newHarness(t, drivers[0].new(t))
			h.do("GET", func(_ echo.Context, s *runtime.Session) error { runtime.Store(s, "v", "before", str); return nil })
			old := h.cookie()
			if old == "" {
				t.Fatal("no session cookie after the first request")
			}
			resp := h.do("GET", func(c echo.Context, s *runtime.Session) error {
				return a.answer(c, func() { runtime.Store(s, "v", big, str) })
			})
			if resp.StatusCode != 500 || resp.body != "session error\n" {
				t.Errorf("answer %d %q, want the ErrorHandler's 500", resp.StatusCode, resp.body)
			}
			for _, k := range []string{"Set-Cookie", "Location"} {
				if v := resp.Header[k]; v != nil {
					t.Errorf("the ErrorHandler's answer carries the handler's %s %q", k, v)
				}
			}
			errs := h.takeErrs()
			if len(errs) != 1 || !errors.Is(errs[0], runtime.ErrCookieTooLarge) {
				t.Errorf("ErrorHandler got %v, want one ErrCookieTooLarge", errs)
			}
			if status, _ := h.outer(); status != 500 {
				t.Errorf("the middleware before saw status %d, want 500", status)
			}
			if h.cookie() != old {
				t.Error("the browser's cookie changed")
			}
			if got := h.get(); got != "before" {
				t.Errorf("next request reads %q, want the session as it was", got)
			}
			h.noErrors()
		})
	}
}

// TestSetGet uses the accessors that sessgen generated for examples/cart,
// as an application's echo handlers would.
func TestSetGet(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		var got []int64
		for _, add := range []int64{2, 3} {
			h.do("POST", func(c echo.Context, _ *runtime.Session) error {
				sess, err := cart.CartSessionFrom(c.Request().Context())
				if err != nil {
					return err
				}
				got = append(got, sess.IncrementCartID(add))
				return c.String(200, "ok")
			})
		}
		if len(got) != 2 || got[0] != 2 || got[1] != 5 {
			t.Errorf("cart IDs %v across requests, want [2 5]", got)
		}
	})
}

func TestFlash(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		var seen []string
		read := func(c echo.Context, s *runtime.Session) error {
			seen = append(seen, orAbsent(runtime.LookupFlash(s, "notice", str)))
			return c.String(200, "ok")
		}
		h.do("POST", func(c echo.Context, s *runtime.Session) error {
			runtime.Flash(s, "notice", "saved", str)
			return read(c, s)
		})
		h.do("GET", read)
		h.do("GET", read)
		if want := []string{"saved", "saved", "<absent>"}; strings.Join(seen, ",") != strings.Join(want, ",") {
			t.Errorf("flash in requests N, N+1, N+2: %q, want %q", seen, want)
		}
	})
}

func TestRegenerate(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		var id1, id2 string
		h.do("POST", func(c echo.Context, s *runtime.Session) error {
			runtime.Store(s, "v", "kept", str)
			id1 = s.ID()
			return c.Redirect(303, "/")
		})
		old := h.cookie()
		h.do("POST", func(c echo.Context, s *runtime.Session) error {
			s.Regenerate()
			id2 = s.ID()
			return c.Redirect(303, "/")
		})
		if h.cookie() == old || id1 == id2 {
			t.Fatalf("Regenerate kept the cookie (%v) or the ID (%v)", h.cookie() == old, id1 == id2)
		}
		if got := h.get(); got != "kept" {
			t.Errorf("after Regenerate: %q, want kept", got)
		}
		h.oldIDOpensNothing(old, id1)
	})
}

func TestInvalidate(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		var id string
		h.do("POST", func(c echo.Context, s *runtime.Session) error {
			runtime.Store(s, "v", "gone", str)
			id = s.ID()
			return c.NoContent(204)
		})
		old := h.cookie()
		h.do("POST", func(c echo.Context, s *runtime.Session) error { s.Invalidate(); return c.NoContent(204) })
		if c := h.cookie(); c != "" {
			t.Errorf("cookie %q kept after logging out", c)
		}
		h.do("POST", func(c echo.Context, s *runtime.Session) error { runtime.Store(s, "w", "new", str); return nil })
		if got := h.get(); got != "<absent>" {
			t.Errorf("after Invalidate: %q, want nothing", got)
		}
		h.oldIDOpensNothing(old, id)
	})
}

// TestErrorHandlerChangesAreSaved: echo's HTTPErrorHandler answers inside
// the middleware, so what it does to the session is saved too.
func TestErrorHandlerChangesAreSaved(t *testing.T) {
	for _, d := range drivers {
		t.Run(d.name, func(t *testing.T) {
			h := newHarness(t, d.new(t), func(e *echo.Echo) {
				e.HTTPErrorHandler = func(err error, c echo.Context) {
					if c.Response().Committed {
						return
					}
					s, _ := runtime.From(c.Request().Context())
					runtime.Flash(s, "notice", err.Error(), str)
					_ = c.Redirect(303, "/")
				}
			})
			resp := h.do("POST", func(echo.Context, *runtime.Session) error { return errBad })
			if resp.StatusCode != 303 {
				t.Fatalf("status %d, want the error handler's 303", resp.StatusCode)
			}
			var notice string
			h.do("GET", func(_ echo.Context, s *runtime.Session) error {
				notice = orAbsent(runtime.LookupFlash(s, "notice", str))
				return nil
			})
			if notice != errBad.Error() {
				t.Errorf("flash set by the error handler: %q, want %q", notice, errBad.Error())
			}
			h.noErrors()
		})
	}
}

// TestPanicSavesNothing: a handler that panics leaves the session as the
// browser had it; echo's Recover answers without Set-Cookie.
func TestPanicSavesNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		h.do("POST", func(c echo.Context, s *runtime.Session) error { runtime.Store(s, "v", "before", str); return nil })
		resp := h.do("POST", func(c echo.Context, s *runtime.Session) error {
			runtime.Store(s, "v", "after", str)
			panic("handler failed")
		})
		if resp.StatusCode != 500 || resp.Header["Set-Cookie"] != nil {
			t.Errorf("recovered panic: %d, Set-Cookie %q; want 500 and no cookie", resp.StatusCode, resp.Header["Set-Cookie"])
		}
		if got := h.get(); got != "before" {
			t.Errorf("after the panic: %q, want before", got)
		}
	})
}
