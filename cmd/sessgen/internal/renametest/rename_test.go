// Package renametest tests a deployed key rename (was=) end to end, on
// every driver. It is apart from cmd/sessgen's other tests because it
// starts Redis: CI runs the packages that do twice, on Redis and Valkey.
package renametest

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/cmd/sessgen/internal/modtest"
	"github.com/sessgen/sessgen/internal/redistest"
)

// generate runs sessgen as a user's module would, built from this
// repository.
const generate = "//go:generate go run github.com/sessgen/sessgen/cmd/sessgen -type Cart\n"

// TestRenameEndToEnd deploys a rename: sessions saved by a program built
// from schema v1 are served by one built from v2, whose fields carry the
// v1 keys as was=. On the cookie, memory and Redis drivers, v2 reads the
// values v1 stored, and the first access (read, write or delete) moves a
// field's value: after the save the driver holds only the new key.
func TestRenameEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module")
	}
	root, err := filepath.Abs("../../../..")
	if err != nil {
		t.Fatal(err)
	}
	srv := redistest.Start(t)
	dir := modtest.New(t, root, map[string]string{
		"v1/schema.go": "package v1\n\n" + generate + "\ntype Cart struct {\n\tCartID string\n\tCount  int\n\tNotice string `session:\"notice,flash\"`\n}\n",
		"v2/schema.go": "package v2\n\n" + generate + "\ntype Cart struct {\n\tCartRef string `session:\"cart_ref,was=cart_id\"`\n" +
			"\tTotal   int    `session:\"total,was=count\"`\n\tNote    string `session:\"note,flash,was=notice\"`\n}\n",
		"rename_test.go": renameProgram,
	})
	modtest.MustGo(t, dir, "generate", "./...")
	modtest.MustGo(t, dir, "vet", "./...")
	t.Setenv("SESSGEN_TEST_REDIS", "redis://"+srv.Addr)
	out := modtest.MustGo(t, dir, "test", "-count=1", "-v", ".")
	for _, d := range []string{"cookie", "memory", "redis"} {
		if !strings.Contains(out, "--- PASS: TestRename/"+d) {
			t.Errorf("inner test did not pass on %s:\n%s", d, out)
		}
	}
}

// renameProgram is the test that runs inside the renamed module.
const renameProgram = `package app

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"example.com/app/v1"
	"example.com/app/v2"
	"github.com/sessgen/sessgen/drivers"
	"github.com/sessgen/sessgen/runtime"
)

func TestRename(t *testing.T) {
	for _, c := range []drivers.Config{
		{Default: "cookie", Cookie: drivers.CookieConfig{Secret: strings.Repeat("s", 32)}},
		{Default: "memory"},
		{Default: "redis", Redis: drivers.RedisConfig{URL: os.Getenv("SESSGEN_TEST_REDIS"), Namespace: "rename"}},
	} {
		t.Run(c.Default, func(t *testing.T) { rename(t, c) })
	}
}

func rename(t *testing.T, c drivers.Config) {
	d, err := drivers.Open(c)
	if err != nil {
		t.Fatal(err)
	}
	m, err := runtime.NewManager(d, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var step func(r *http.Request)
	srv := httptest.NewTLSServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		step(r)
	})))
	defer srv.Close()
	client := srv.Client()
	client.Jar, _ = cookiejar.New(nil)
	do := func(f func(r *http.Request)) {
		t.Helper()
		step = f
		resp, err := client.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// stored returns the data and flash keys the driver holds now.
	stored := func() (data, flash []string) {
		t.Helper()
		for _, ck := range client.Jar.Cookies(resp(srv.URL)) {
			if ck.Name != m.Options().Name {
				continue
			}
			rec, err := d.Load(context.Background(), ck.Name, ck.Value)
			if err != nil || rec == nil {
				t.Fatalf("the driver does not load the session: %v", err)
			}
			for k := range rec.Data {
				data = append(data, k)
			}
			for k := range rec.Flash {
				flash = append(flash, k)
			}
		}
		slices.Sort(data)
		slices.Sort(flash)
		return data, flash
	}
	want := func(step string, data, flash []string) {
		t.Helper()
		if gotData, gotFlash := stored(); !slices.Equal(gotData, data) || !slices.Equal(gotFlash, flash) {
			t.Errorf("%s: the driver holds data %q and flash %q, want %q and %q", step, gotData, gotFlash, data, flash)
		}
	}
	v1s := func(r *http.Request) v1.CartSession { s, _ := v1.CartSessionFrom(r.Context()); return s }
	v2s := func(r *http.Request) v2.CartSession { s, _ := v2.CartSessionFrom(r.Context()); return s }

	do(func(r *http.Request) {
		s := v1s(r)
		s.SetCartID("c-42")
		s.SetCount(7)
		s.FlashNotice("hello")
	})
	want("saved by v1", []string{"cart_id", "count"}, []string{"notice"})
	// Reads migrate: the renamed values read under their new names; a
	// field not accessed keeps its old key until it is.
	do(func(r *http.Request) {
		s := v2s(r)
		if got := s.CartRef(); got != "c-42" {
			t.Errorf("CartRef = %q, want the value v1 stored", got)
		}
		if got, ok := s.LookupNote(); !ok || got != "hello" {
			t.Errorf("LookupNote = %q, %v, want the flash v1 stored", got, ok)
		}
		s.KeepNote()
	})
	want("read by v2", []string{"cart_ref", "count"}, []string{"note"})
	// A write migrates too: the old value is dropped, the new one stored.
	do(func(r *http.Request) {
		s := v2s(r)
		s.SetTotal(9)
		if s.Note() != "hello" {
			t.Error("the kept flash is not readable under its new key")
		}
	})
	want("written by v2", []string{"cart_ref", "total"}, nil)
	do(func(r *http.Request) {
		if s := v2s(r); s.Total() != 9 || s.CartRef() != "c-42" {
			t.Errorf("after the migration: Total %d, CartRef %q", s.Total(), s.CartRef())
		}
	})
	// A delete migrates: neither key is left.
	do(func(r *http.Request) { v1s(r).SetCartID("c-43") })
	want("saved by v1 again", []string{"cart_id", "cart_ref", "total"}, nil)
	do(func(r *http.Request) { v2s(r).DeleteCartRef() })
	want("deleted by v2", []string{"total"}, nil)
}

func resp(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}
`
