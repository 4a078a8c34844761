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
	setup := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			tb.Fatal(err)
		}
		runtime.Store(s, "cart_id", CartID, CartCodec)
		runtime.Store(s, "user", User, UserCodec)
		runtime.Store(s, "items", Items, ItemCodec)
	}))
	rec := httptest.NewRecorder()
	setup.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	cookies := rec.Result().Cookies()
	if len(cookies) != 1 {
		tb.Fatalf("setup request set %d cookies", len(cookies))
	}
	c := &Cycle{header: cookies[0].Name + "=" + cookies[0].Value}
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			tb.Fatal(err)
		}
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
	})
	if wrap != nil {
		h = wrap(h)
	}
	c.h = m.Middleware(h)
	return c
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
