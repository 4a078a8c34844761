package gen

import (
	"errors"
	"go/token"
	"testing"
)

func TestProblemsFormat(t *testing.T) {
	ps := Problems{
		{Pos: token.Position{Filename: "/p/b.go", Line: 3, Column: 2}, Field: "Items", Msg: "bad"},
		{Pos: token.Position{Filename: "/p/a.go", Line: 9, Column: 6}, Type: "Cart", Msg: "worse"},
	}
	ps.sort()
	var err error = ps
	var got Problems
	if !errors.As(err, &got) {
		t.Fatal("Problems is not an error")
	}
	want := "a.go:9:6: type Cart: worse\nb.go:3:2: field Items: bad"
	if s := ps.Format("/p"); s != want {
		t.Errorf("Format = %q, want %q", s, want)
	}
}
