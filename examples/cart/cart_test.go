package cart

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/runtime"
)

func TestHandler(t *testing.T) {
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(m.Middleware(Handler()))
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	get := func(resp *http.Response, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := get(c.Get(srv.URL)); got != "visit 1\n" {
		t.Errorf("first visit: %q", got)
	}
	got := get(c.PostForm(srv.URL+"/add", url.Values{"sku": {"tea"}}))
	if want := "added tea\ntea x1\nvisit 2\n"; got != want {
		t.Errorf("after add: %q, want %q", got, want)
	}
	if got := get(c.Get(srv.URL)); !strings.HasPrefix(got, "tea x1\n") {
		t.Errorf("flash should be gone: %q", got)
	}
}

// The benchmarks measure the generated accessors on a session outside a
// request: what a handler pays per typed read and write.

func BenchmarkSetInt64(b *testing.B) {
	sess := NewCartSession(runtime.NewSession())
	b.ReportAllocs()
	for i := range b.N {
		sess.SetCartID(int64(i))
	}
}

func BenchmarkGetInt64(b *testing.B) {
	sess := NewCartSession(runtime.NewSession())
	sess.SetCartID(1 << 40)
	b.ReportAllocs()
	for b.Loop() {
		if sess.CartID() != 1<<40 {
			b.Fatal("wrong value")
		}
	}
}

func BenchmarkSetString(b *testing.B) {
	sess := NewCartSession(runtime.NewSession())
	b.ReportAllocs()
	for b.Loop() {
		sess.NowNotice("added green tea to your cart")
	}
}

func BenchmarkGetString(b *testing.B) {
	sess := NewCartSession(runtime.NewSession())
	sess.NowNotice("added green tea to your cart")
	b.ReportAllocs()
	for b.Loop() {
		if sess.Notice() == "" {
			b.Fatal("no value")
		}
	}
}

var items = []Item{{SKU: "tea", Quantity: 2}, {SKU: "cup", Quantity: 1}}

func BenchmarkSetStruct(b *testing.B) {
	sess := NewCartSession(runtime.NewSession())
	b.ReportAllocs()
	for b.Loop() {
		sess.SetItems(items)
	}
}

func BenchmarkGetStruct(b *testing.B) {
	sess := NewCartSession(runtime.NewSession())
	sess.SetItems(items)
	b.ReportAllocs()
	for b.Loop() {
		if len(sess.Items()) != 2 {
			b.Fatal("wrong value")
		}
	}
}
