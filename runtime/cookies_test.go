package runtime_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

func TestCookieAttributes(t *testing.T) {
	h := sessiontest.NewHarness(t, newStore(), runtime.Options{
		Name: "sid", Path: "/app", Domain: "example.test", SameSite: http.SameSiteStrictMode, Partitioned: true,
	})
	var c string
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		runtime.Store(s, "k", "v", str)
	}))
	resp, err := h.Client.Get(h.Server.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c = resp.Header.Get("Set-Cookie")
	for _, want := range []string{"sid=", "; Path=/app", "; Domain=example.test", "; HttpOnly", "; Secure", "; SameSite=Strict", "; Partitioned"} {
		if !strings.Contains(c, want) {
			t.Errorf("Set-Cookie %q lacks %q", c, want)
		}
	}
	h2 := sessiontest.NewHarness(t, newStore(), runtime.Options{Insecure: true})
	resp = h2.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "k", "v", str) })
	if c := resp.Header.Get("Set-Cookie"); strings.Contains(c, "Secure") {
		t.Errorf("Insecure cookie still Secure: %q", c)
	}
}

func TestACookieForAnotherPathDoesNotHideTheSession(t *testing.T) {
	m, err := runtime.NewManager(newStore(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got string
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		if r.URL.Path == "/set" {
			runtime.Store(s, "k", "v", str)
			return
		}
		got, _ = runtime.Lookup(s, "k", str)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/set", nil))
	valid := rec.Result().Cookies()[0].Value
	for _, header := range []string{
		"session=; session=" + valid,
		"session=garbage; session=" + valid,
		"session=" + runtime.NewID() + "; other=1; session=" + valid,
	} {
		got = ""
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		h.ServeHTTP(httptest.NewRecorder(), r)
		if got != "v" {
			t.Errorf("Cookie: %.40s...: the valid session was not found", header)
		}
	}
}

// An expired cookie for a more specific path, sent first, must not hide
// the live session in the next one.
func TestExpiredCookieFirstThenLive(t *testing.T) {
	h := sessiontest.NewHarness(t, newSealer("k"), runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "old", str) })
	stale := h.Cookie()
	h.Clock.Advance(2 * time.Hour)
	h.SetCookie("")
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "user", "ada", str) })
	live := h.Cookie()
	var user string
	h.Server.Config.Handler = h.Manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := runtime.From(r.Context())
		user, _ = runtime.Lookup(s, "user", str)
	}))
	r, _ := http.NewRequest("GET", h.Server.URL, nil)
	r.Header.Set("Cookie", "session="+stale+"; session="+live)
	resp, err := h.Client.Transport.RoundTrip(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if user != "ada" {
		t.Errorf("user = %q, want the live session's ada", user)
	}
}
