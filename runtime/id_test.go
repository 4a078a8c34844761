package runtime_test

import (
	"strings"
	"testing"

	"github.com/sessgen/sessgen/runtime"
)

func TestValidID(t *testing.T) {
	for range 1000 {
		if id := runtime.NewID(); !runtime.ValidID(id) {
			t.Fatalf("NewID made %q, which ValidID rejects", id)
		}
	}
	base := strings.Repeat("A", runtime.IDLen-1)
	for id, want := range map[string]bool{
		base + "A":                        true,
		base + "Q":                        true,  // value 16: padding bits zero
		base + "B":                        false, // value 1: a padding bit set
		base + "!":                        false,
		base[1:] + "AA":                   true,
		base + "AA":                       false, // too long
		base[:10] + "=" + base[11:] + "A": false,
		"":                                false,
	} {
		if got := runtime.ValidID(id); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", id, got, want)
		}
	}
}
