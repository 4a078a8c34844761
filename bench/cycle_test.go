package bench

import (
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"

	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/runtime"
)

// The session every case holds, and what the cycle's handler reads and
// writes: it reads the cart ID and the user name and (in the write variant)
// stores the list of items again.
const (
	cookieName = "session"
	cartID     = int64(1234567)
	userName   = "ada@example.com"
)

var items = []string{"apple", "banana", "cherry"}

// sessgen's codecs, as generated code would hold them.
var (
	i64Codec  = runtime.Signed[int64]{}
	strCodec  = runtime.String[string]{}
	strsCodec = runtime.Value[[]string]{}
)

// A setup is one case, ready to serve the cycle.
type setup struct {
	h      http.Handler // serves one cycle request
	cookie string       // the Cookie header the browser sends: name=value
	probe  *probe       // counts Redis commands; nil for cases without Redis
	// sameCookie is set when a save may leave the browser's cookie alone
	// (a server-side store whose cookie only names the session): the write
	// variant then need not send Set-Cookie.
	sameCookie bool
}

// A caseFunc builds a case. write selects the write variant of the cycle;
// without it the handler only reads.
type caseFunc func(tb testing.TB, write bool) setup

// cases are the libraries compared, in the order the tables show them.
var cases = []struct {
	name  string
	fn    caseFunc
	redis bool // the case needs a redis-server
}{
	{"sessgen-cookie", sessgenCookie, false},
	{"gorilla-cookie", gorillaCookie, false},
	{"scs-memstore", scsMemstore, false},
	{"sessgen-redis", sessgenRedis, true},
	{"scs-redisstore", scsRedisstore, true},
	{"gorilla-redisstore", gorillaRedisstore, true},
}

// BenchmarkCycle is one request through each library's documented net/http
// integration: an existing session cookie arrives, the handler reads an int64
// and a string, writes a []string of three (rw=write only) and the session is
// saved. Every iteration builds a fresh request and recorder.
func BenchmarkCycle(b *testing.B) {
	for _, c := range cases {
		for _, write := range []bool{true, false} {
			b.Run("lib="+c.name+"/rw="+rw(write), func(b *testing.B) {
				run(b, c.fn(b, write), write)
			})
		}
	}
}

func rw(write bool) string {
	if write {
		return "write"
	}
	return "read"
}

// run serves the cycle b.N times and reports the cookie size, the CPU time
// per request and, for Redis cases, the commands and round trips.
func run(b *testing.B, s setup, write bool) {
	wantCookies := 0 // Set-Cookie headers
	if write {
		wantCookies = 1
	}
	var before snapshot
	if s.probe != nil {
		before = s.probe.snapshot(b)
	}
	cpu := processCPU()
	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest("GET", "/cart", nil)
		r.Header.Set("Cookie", s.cookie)
		w := httptest.NewRecorder()
		s.h.ServeHTTP(w, r)
		n := len(w.Header()["Set-Cookie"])
		if w.Code != http.StatusOK || n != wantCookies && !(s.sameCookie && n == 0) {
			b.Fatalf("status %d, Set-Cookie %q (want %d)", w.Code, w.Header()["Set-Cookie"], wantCookies)
		}
	}
	b.StopTimer()
	cpu = processCPU() - cpu
	b.ReportMetric(float64(len(s.cookie)), "cookie-bytes")
	if s.probe != nil {
		s.probe.report(b, before, s.probe.snapshot(b))
	} else {
		// CPU time is less disturbed than wall time when other processes
		// compete for the machine.
		b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	}
}

// check fails the benchmark when the handler did not read the session's
// values back.
func check(b testing.TB, id int64, name string) {
	if id != cartID || name != userName {
		b.Fatalf("read cart_id=%d user=%q, want %d %q", id, name, cartID, userName)
	}
}

// establish serves one request through h, which creates the session, and
// returns the Cookie header a browser would send back.
func establish(b testing.TB, h http.Handler) string {
	b.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/login", nil))
	for _, c := range w.Result().Cookies() {
		if c.Name == cookieName {
			return c.Name + "=" + c.Value
		}
	}
	b.Fatalf("no %s cookie set: %d %q", cookieName, w.Code, w.Header())
	return ""
}

// key returns n random bytes.
func key(n int) []byte {
	k := make([]byte, n)
	rand.Read(k)
	return k
}

// sessgenCase builds the sessgen case on driver d: the runtime's middleware
// and the typed helpers generated accessors call.
func sessgenCase(b testing.TB, d runtime.Driver, write bool) setup {
	m, err := runtime.NewManager(d, runtime.Options{})
	if err != nil {
		b.Fatal(err)
	}
	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			b.Fatal(err)
		}
		runtime.Store(s, "cart_id", cartID, i64Codec)
		runtime.Store(s, "user", userName, strCodec)
		runtime.Store(s, "items", items, strsCodec)
	}))
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			b.Fatal(err)
		}
		id, _ := runtime.Lookup(s, "cart_id", i64Codec)
		name, _ := runtime.Lookup(s, "user", strCodec)
		check(b, id, name)
		if write {
			runtime.Store(s, "items", items, strsCodec)
		}
	}))
	return setup{h: h, cookie: establish(b, login)}
}

// sessgenCookie is sessgen with its encrypted cookie driver.
func sessgenCookie(b testing.TB, write bool) setup {
	d, err := cookie.New(key(32))
	if err != nil {
		b.Fatal(err)
	}
	return sessgenCase(b, d, write)
}

// gorillaCase builds a gorilla/sessions case on store: store.Get, then
// session.Save(r, w) when the handler changed something.
func gorillaCase(b testing.TB, store sessions.Store, write bool) setup {
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, cookieName)
		if err != nil {
			b.Fatal(err)
		}
		s.Values["cart_id"] = cartID
		s.Values["user"] = userName
		s.Values["items"] = items
		if err := s.Save(r, w); err != nil {
			b.Fatal(err)
		}
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := store.Get(r, cookieName)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := s.Values["cart_id"].(int64)
		name, _ := s.Values["user"].(string)
		check(b, id, name)
		if write {
			s.Values["items"] = items
			if err := s.Save(r, w); err != nil {
				b.Fatal(err)
			}
		}
	})
	return setup{h: h, cookie: establish(b, login)}
}

// gorillaCookie is gorilla/sessions' CookieStore with a 64-byte HMAC key and
// a 32-byte AES key (AES-256), as its documentation recommends.
func gorillaCookie(b testing.TB, write bool) setup {
	return gorillaCase(b, sessions.NewCookieStore(key(64), key(32)), write)
}

// scsCase builds an alexedwards/scs case on store, with its LoadAndSave
// middleware.
func scsCase(b testing.TB, store scs.Store, write bool) setup {
	sm := scs.New()
	sm.Store = store
	sm.Cookie.Name = cookieName
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { b.Fatal(err) }
	login := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		sm.Put(ctx, "cart_id", cartID)
		sm.Put(ctx, "user", userName)
		sm.Put(ctx, "items", items)
	}))
	h := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		check(b, sm.GetInt64(ctx, "cart_id"), sm.GetString(ctx, "user"))
		if write {
			sm.Put(ctx, "items", items)
		}
	}))
	return setup{h: h, cookie: establish(b, login)}
}

// scsMemstore is scs with its in-process memstore (no cleanup goroutine).
func scsMemstore(b testing.TB, write bool) setup {
	return scsCase(b, memstore.NewWithCleanupInterval(0), write)
}

// sessgenCookieSize returns the length of the name=value of sessgen's cookie
// for the benchmark session, which the floors reproduce.
func sessgenCookieSize(b testing.TB) int {
	s := sessgenCookie(b, true)
	return len(s.cookie)
}
