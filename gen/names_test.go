package gen

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"testing"
)

func TestNewFunc(t *testing.T) {
	for name, want := range map[string]string{
		"Cart": "NewCartSession", "prefs": "newPrefsSession", "über": "newÜberSession", "x": "newXSession",
	} {
		if got := (&schema{Name: name}).newFunc(); got != want {
			t.Errorf("newFunc(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestGeneratedNames checks that the names the collision checks know are
// exactly those the emitter declares, for a schema with a field of every
// kind, data and flash.
func TestGeneratedNames(t *testing.T) {
	l := loadFor(t, "../testdata/allkinds", Config{Types: []string{"Kinds"}})
	schemas, err := build(l.pkg, l.t, []string{"Kinds"})
	if err != nil {
		t.Fatal(err)
	}
	s := schemas[0]
	var want []string
	for _, m := range sessionMethods {
		want = append(want, m.name)
	}
	for _, f := range s.Fields {
		for _, a := range f.accessors() {
			want = append(want, f.method(a))
		}
	}
	wantTop := s.topLevel()

	f := l.generate(t, "Kinds")
	af, err := parser.ParseFile(token.NewFileSet(), f.Path, f.Content, 0)
	if err != nil {
		t.Fatal(err)
	}
	var methods, top []string
	for _, d := range af.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			switch {
			case d.Recv != nil:
				methods = append(methods, d.Name.Name)
			case d.Name.Name != "_":
				top = append(top, d.Name.Name)
			}
		case *ast.GenDecl:
			for _, sp := range d.Specs {
				if ts, ok := sp.(*ast.TypeSpec); ok {
					top = append(top, ts.Name.Name)
				}
			}
		}
	}
	slices.Sort(want)
	slices.Sort(methods)
	if !slices.Equal(methods, want) {
		t.Errorf("generated methods\n%v\nthe collision check knows\n%v", methods, want)
	}
	slices.Sort(top)
	slices.Sort(wantTop)
	if !slices.Equal(top, wantTop) {
		t.Errorf("generated top-level names %v, the collision check knows %v", top, wantTop)
	}
}
