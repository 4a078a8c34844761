package ginsession_test

import (
	"bytes"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sessgen/sessgen/adapters/ginsession"
	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/examples/cart"
	"github.com/sessgen/sessgen/runtime"
)

func init() { gin.SetMode(gin.TestMode) }

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
type step func(c *gin.Context, s *runtime.Session)

// harness is a gin engine behind an HTTPS test server and a browser-like
// client with a cookie jar. The engine runs, in order: a middleware that
// notes the status gin holds once the chain returned, gin's Recovery,
// ginsession.Middleware and a handler at "/" that runs the current step.
type harness struct {
	t      *testing.T
	srv    *httptest.Server
	client *http.Client
	url    *url.URL

	mu     sync.Mutex
	step   step
	errs   []error // what the manager's ErrorHandler was given
	status int     // c.Writer.Status() as the outermost middleware saw it
}

func newHarness(t *testing.T, d runtime.Driver) *harness {
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
	e := gin.New()
	e.SetHTMLTemplate(template.Must(template.New("page").Parse("<p>{{.}}</p>")))
	e.Use(func(c *gin.Context) {
		c.Next()
		h.mu.Lock()
		h.status = c.Writer.Status()
		h.mu.Unlock()
	})
	e.Use(gin.CustomRecoveryWithWriter(io.Discard, func(c *gin.Context, _ any) {
		c.AbortWithStatus(http.StatusInternalServerError)
	}))
	e.Use(ginsession.Middleware(m))
	e.Any("/", func(c *gin.Context) {
		s, err := runtime.From(c.Request.Context())
		if err != nil {
			t.Errorf("runtime.From in a gin handler: %v", err)
			c.AbortWithStatus(http.StatusInternalServerError)
			return
		}
		h.mu.Lock()
		step := h.step
		h.mu.Unlock()
		step(c, s)
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
	h.do("GET", func(c *gin.Context, s *runtime.Session) {
		v = orAbsent(runtime.Lookup(s, "v", str))
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

func (h *harness) outerStatus() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.status
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

// answers are the ways a gin handler answers, each with the response it
// gives when the session saves. change makes the handler's change to the
// session; most answers make it first.
var answers = []struct {
	name     string
	method   string
	status   int
	body     string // "" for none
	location string // the Location header, for redirects
	answer   func(c *gin.Context, change func())
}{
	{"JSON", "GET", 200, `{"ok":true}`, "", func(c *gin.Context, change func()) { change(); c.JSON(200, gin.H{"ok": true}) }},
	{"String", "GET", 200, "ok 1", "", func(c *gin.Context, change func()) { change(); c.String(200, "ok %d", 1) }},
	{"HTML", "GET", 200, "<p>ok</p>", "", func(c *gin.Context, change func()) { change(); c.HTML(200, "page", "ok") }},
	{"RedirectGET", "GET", 302, "<a href=\"/next\">Found</a>.\n\n", "/next", func(c *gin.Context, change func()) {
		change()
		c.Redirect(302, "/next")
	}},
	{"RedirectPOST", "POST", 303, "", "/next", func(c *gin.Context, change func()) { change(); c.Redirect(303, "/next") }},
	{"Data", "GET", 200, "ok", "", func(c *gin.Context, change func()) { change(); c.Data(200, "text/plain", []byte("ok")) }},
	{"Stream", "GET", 200, "ok ok ", "", func(c *gin.Context, change func()) {
		change()
		n := 0
		c.Stream(func(w io.Writer) bool {
			_, _ = io.WriteString(w, "ok ")
			n++
			return n < 2
		})
	}},
	{"WriteString", "GET", 200, "ok", "", func(c *gin.Context, change func()) { change(); _, _ = c.Writer.WriteString("ok") }},
	{"Flush", "GET", 200, "", "", func(c *gin.Context, change func()) { change(); c.Writer.Flush() }},
	{"AbortWithStatus", "GET", 401, "", "", func(c *gin.Context, change func()) { change(); c.AbortWithStatus(401) }},
	{"StatusAlone", "GET", 204, "", "", func(c *gin.Context, change func()) { change(); c.Status(204) }},
	// gin sends nothing at c.Status: a change after it still goes out.
	{"StatusThenChange", "GET", 201, "ok", "", func(c *gin.Context, change func()) {
		c.Status(201)
		change()
		c.String(201, "ok")
	}},
	{"Nothing", "GET", 200, "", "", func(_ *gin.Context, change func()) { change() }},
}

// TestSavedBeforeCommit: whichever way the handler answers, the session it
// changed goes out with the response's headers (Set-Cookie for a new
// session, Vary: Cookie always), both for a new session and for a change to
// an existing one.
func TestSavedBeforeCommit(t *testing.T) {
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			forEachDriver(t, func(t *testing.T, h *harness) {
				for i, v := range []string{a.name + " new", a.name + " changed"} {
					resp := h.do(a.method, func(c *gin.Context, s *runtime.Session) {
						a.answer(c, func() { runtime.Store(s, "v", v, str) })
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
					if got := h.outerStatus(); got != a.status {
						t.Errorf("request %d: gin's status after the chain %d, want %d", i, got, a.status)
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
// handler answers; the ErrorHandler's answer replaces the handler's and the
// browser keeps its previous cookie and session.
func TestSaveErrorReachesErrorHandler(t *testing.T) {
	big := strings.Repeat("x", 5000)
	for _, a := range answers {
		t.Run(a.name, func(t *testing.T) {
			h := newHarness(t, drivers[0].new(t))
			h.do("GET", func(_ *gin.Context, s *runtime.Session) { runtime.Store(s, "v", "before", str) })
			old := h.cookie()
			if old == "" {
				t.Fatal("no session cookie after the first request")
			}
			resp := h.do(a.method, func(c *gin.Context, s *runtime.Session) {
				a.answer(c, func() { runtime.Store(s, "v", big, str) })
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
			if got := h.outerStatus(); got != 500 {
				t.Errorf("gin's status after the chain %d, want 500", got)
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
// as an application's gin handlers would.
func TestSetGet(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		var got []int64
		for _, add := range []int64{2, 3} {
			h.do("POST", func(c *gin.Context, _ *runtime.Session) {
				sess, err := cart.CartSessionFrom(c.Request.Context())
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, sess.IncrementCartID(add))
				c.String(200, "ok")
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
		read := func(c *gin.Context, s *runtime.Session) {
			seen = append(seen, orAbsent(runtime.LookupFlash(s, "notice", str)))
			c.String(200, "ok")
		}
		h.do("POST", func(c *gin.Context, s *runtime.Session) {
			runtime.Flash(s, "notice", "saved", str)
			read(c, s)
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
		h.do("POST", func(c *gin.Context, s *runtime.Session) {
			runtime.Store(s, "v", "kept", str)
			id1 = s.ID()
			c.Redirect(303, "/")
		})
		old := h.cookie()
		h.do("POST", func(c *gin.Context, s *runtime.Session) {
			s.Regenerate()
			id2 = s.ID()
			c.Redirect(303, "/")
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
		h.do("POST", func(c *gin.Context, s *runtime.Session) {
			runtime.Store(s, "v", "gone", str)
			id = s.ID()
			c.Status(204)
		})
		old := h.cookie()
		h.do("POST", func(c *gin.Context, s *runtime.Session) { s.Invalidate(); c.Status(204) })
		if c := h.cookie(); c != "" {
			t.Errorf("cookie %q kept after logging out", c)
		}
		h.do("POST", func(c *gin.Context, s *runtime.Session) { runtime.Store(s, "w", "new", str) })
		if got := h.get(); got != "<absent>" {
			t.Errorf("after Invalidate: %q, want nothing", got)
		}
		h.oldIDOpensNothing(old, id)
	})
}

// TestPanicSavesNothing: a handler that panics leaves the session as the
// browser had it; gin's Recovery answers without Set-Cookie.
func TestPanicSavesNothing(t *testing.T) {
	forEachDriver(t, func(t *testing.T, h *harness) {
		h.do("POST", func(c *gin.Context, s *runtime.Session) { runtime.Store(s, "v", "before", str) })
		resp := h.do("POST", func(c *gin.Context, s *runtime.Session) {
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

// TestContextWithFallback: with the engine's ContextWithFallback, the
// gin.Context is itself a context that finds the session.
func TestContextWithFallback(t *testing.T) {
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, fallback := range []bool{true, false} {
		e := gin.New()
		e.ContextWithFallback = fallback
		e.Use(ginsession.Middleware(m))
		var got error
		e.GET("/", func(c *gin.Context) { _, got = cart.CartSessionFrom(c) })
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		if fallback && got != nil || !fallback && !errors.Is(got, runtime.ErrNoSession) {
			t.Errorf("ContextWithFallback %v: CartSessionFrom(c) gave %v", fallback, got)
		}
	}
}
