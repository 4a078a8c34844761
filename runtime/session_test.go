package runtime_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/runtime"
)

func TestRenameMovesTheOldValueOnce(t *testing.T) {
	s := runtime.NewSession()
	runtime.Store(s, "cart_id", "c1", str)
	runtime.Store(s, "older", "c0", str)
	s.Rename("cart_ref", "cart_id", "older")
	if v, _ := runtime.Lookup(s, "cart_ref", str); v != "c1" {
		t.Errorf("cart_ref = %q, want the first old key's value c1", v)
	}
	if got := s.Keys(); !slices.Equal(got, []string{"cart_ref"}) {
		t.Errorf("keys after rename = %v, want only cart_ref", got)
	}
	runtime.Store(s, "cart_id", "stale", str) // an old server writes the old key again
	s.Rename("cart_ref", "cart_id")
	if v, _ := runtime.Lookup(s, "cart_ref", str); v != "c1" {
		t.Errorf("cart_ref = %q: the new key's value must win over an old one", v)
	}
	if s.Has("cart_id") {
		t.Error("old key kept after a rename found the new key set")
	}
}

func TestRenameFlash(t *testing.T) {
	s := runtime.NewSession()
	runtime.Now(s, "notice", "hi", str)
	s.RenameFlash("msg", "notice")
	if v, ok := runtime.LookupFlash(s, "msg", str); !ok || v != "hi" {
		t.Errorf("msg = %q, %v", v, ok)
	}
	if _, ok := s.Flashed("notice"); ok {
		t.Error("old flash key still readable")
	}
}

func TestOwnerDeviceAndPersist(t *testing.T) {
	s := runtime.NewSession()
	s.SetOwner("u1")
	s.SetDevice(strings.Repeat("é", runtime.MaxDeviceLen)) // 2 bytes each
	if s.Owner() != "u1" {
		t.Errorf("Owner() = %q", s.Owner())
	}
	if d := s.Device(); len(d) > runtime.MaxDeviceLen || !strings.HasPrefix(strings.Repeat("é", runtime.MaxDeviceLen), d) || d == "" {
		t.Errorf("device label not cut at a character boundary within %d bytes: %d bytes", runtime.MaxDeviceLen, len(d))
	}
	s.Regenerate()
	if s.Owner() != "u1" {
		t.Error("Regenerate dropped the owner")
	}
	s.Reset()
	if s.Owner() != "" || s.Device() != "" {
		t.Errorf("Reset kept owner %q, device %q", s.Owner(), s.Device())
	}
	s.SetOwner("u2")
	s.Invalidate()
	if s.Owner() != "" {
		t.Error("Invalidate kept the owner")
	}
}

// BenchmarkSetDistinctKeys sets n distinct keys in one session: the cost
// per key must not grow with n.
func BenchmarkSetDistinctKeys(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = "k" + strconv.Itoa(i)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				s := runtime.NewSession()
				for _, k := range keys {
					s.Set(k, []byte{1})
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
