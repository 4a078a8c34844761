package gen

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestVerifyAlways proves that Run's type check of the generated file
// runs even when the package had no errors before, and that it reports
// positions in the generated file without writing anything.
func TestVerifyAlways(t *testing.T) {
	l := loadFor(t, "../testdata/basic", Config{Types: []string{"Cart"}})
	if len(l.pkg.Errors) > 0 {
		t.Fatalf("testdata/basic has errors: %v", l.pkg.Errors)
	}
	f := l.generate(t, "Cart")
	if err := verify(l.pkg, l.t, []string{"Cart"}, f); err != nil {
		t.Fatalf("good output: %v", err)
	}
	f.Content = bytes.Replace(f.Content, []byte("return sess.s.Has("), []byte("return sess.s.Hass("), 1)
	err := verify(l.pkg, l.t, []string{"Cart"}, f)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("broken output: got %v, want one problem", err)
	}
	if p := ps[0]; p.Pos.Filename != f.Path || p.Pos.Line == 0 || !strings.Contains(p.Msg, "the generated file would not compile: sess.s.Hass undefined") {
		t.Errorf("problem %q at %v", p.Msg, p.Pos)
	}
}
