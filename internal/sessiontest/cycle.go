package sessiontest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessgen/sessgen/runtime"
)

// Cycle is the benchmark request cycle every driver and the bench module
// measure: an existing session arrives; the handler reads an int64 cart ID
// and a string user name and, unless read-only, writes a []string of three
// items; the session is saved. Each Serve builds a fresh request and
// recorder, as a server would.
type Cycle struct {
	h      http.Handler
	header string // the Cookie header the browser sends
}

// Values of the benchmark session and their codecs.
var (
	CartID    int64 = 1234567
	User            = "ada@example.com"
	Items           = []string{"apple", "banana", "cherry"}
	CartCodec       = runtime.Signed[int64]{}
	UserCodec       = runtime.String[string]{}
	ItemCodec       = runtime.Value[[]string]{}
)

// NewCycle stores the benchmark session through m and returns the cycle
// that replays it.
func NewCycle(tb testing.TB, m *runtime.Manager, readOnly bool) *Cycle {
	write := Store
	if readOnly {
		write = Read
	}
	return NewCycleOf(tb, m, write, nil)
}

// The writes a cycle's request makes after its reads.
const (
	Store     = iota // store the items again
	Read             // write nothing
	Increment        // add 1 to a counter
)

// NewCycleOf is [NewCycle] whose request makes the given write (Store, Read
// or Increment), through wrap (Manager.Exclusive, say) if it is not nil.
func NewCycleOf(tb testing.TB, m *runtime.Manager, write int, wrap func(http.Handler) http.Handler) *Cycle {
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Visit(tb, r, write) })
	if wrap != nil {
		h = wrap(h)
	}
	setup := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { Fill(tb, r) })
	return newCycle(tb, m.Middleware(setup), m.Middleware(h))
}

// NewCycleOn is the cycle served by h, a framework's router with session
// middleware: h answers GET /setup with [Fill] and GET /cart with [Visit],
// or with any handler whose first response sets the cookie the rest replay.
func NewCycleOn(tb testing.TB, h http.Handler) *Cycle { return newCycle(tb, h, h) }

// newCycle sends GET /setup to setup and returns the cycle replaying the
// cookie it set to h.
func newCycle(tb testing.TB, setup, h http.Handler) *Cycle {
	rec := httptest.NewRecorder()
	setup.ServeHTTP(rec, httptest.NewRequest("GET", "/setup", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		tb.Fatalf("setup request set %d cookies", len(cookies))
	}
	return &Cycle{h: h, header: cookies[0].Name + "=" + cookies[0].Value}
}

// Fill is the setup request's handler: it stores the benchmark session in
// r's session.
func Fill(tb testing.TB, r *http.Request) {
	s := session(tb, r)
	runtime.Store(s, "cart_id", CartID, CartCodec)
	runtime.Store(s, "user", User, UserCodec)
	runtime.Store(s, "items", Items, ItemCodec)
}

// Visit is the cycle request's handler: it reads and checks the cart ID
// and user name of r's session, then makes the given write.
func Visit(tb testing.TB, r *http.Request, write int) {
	s := session(tb, r)
	id, _ := runtime.Lookup(s, "cart_id", CartCodec)
	name, _ := runtime.Lookup(s, "user", UserCodec)
	if id != CartID || name != User {
		tb.Fatalf("session values: %d %q", id, name)
	}
	switch write {
	case Store:
		runtime.Store(s, "items", Items, ItemCodec)
	case Increment:
		runtime.Add(s, "views", 1, CartCodec)
	}
}

func session(tb testing.TB, r *http.Request) *runtime.Session {
	s, err := runtime.From(r.Context())
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// CookieBytes is the length of the Cookie header's name=value.
func (c *Cycle) CookieBytes() int { return len(c.header) }

// Serve runs one request of the cycle and returns its recorder.
func (c *Cycle) Serve(tb testing.TB) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/cart", nil)
	r.Header.Set("Cookie", c.header)
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		tb.Fatalf("status %d", w.Code)
	}
	return w
}
