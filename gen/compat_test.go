package gen

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	goimporter "go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/sessgen/sessgen/runtime"
)

// The types the changes below use, declared twice: here for the proofs,
// and in changeDecls for the generator.
type (
	Count int64
	Line  struct {
		SKU  string
		Next *Line
	}
	LineV2 struct {
		SKU  string
		Next *LineV2
		Qty  int
	}
	LineX struct {
		SKU  int
		Next *LineX
	}
	Upper string // encodes itself, upper-cased
)

func (u Upper) MarshalText() ([]byte, error)  { return []byte(strings.ToUpper(string(u))), nil }
func (u *Upper) UnmarshalText(b []byte) error { *u = Upper(b); return nil }

const changeDecls = `
type (
	Count  int64
	Line   struct{ SKU string; Next *Line }
	LineV2 struct{ SKU string; Next *LineV2; Qty int }
	LineX  struct{ SKU int; Next *LineX }
	Upper  string
)

func (u Upper) MarshalText() ([]byte, error)   { return nil, nil }
func (u *Upper) UnmarshalText(b []byte) error { return nil }
`

// A change is a schema field's type before and after, and its proof: old
// values encoded with the old type's codec, decoded with the new type's.
type change struct {
	old, new string
	proof    proof
}

// A proof encodes samples with one codec and decodes them with another. It
// returns the codecs' type names and, when a sample does not decode
// exactly, which and how.
type proof func() (codecs [2]string, lost string)

func decodes[O, N any](oc runtime.Codec[O], nc runtime.Codec[N], samples ...O) proof {
	return func() ([2]string, string) {
		names := [2]string{fmt.Sprintf("%T", oc), fmt.Sprintf("%T", nc)}
		for _, v := range samples {
			b, err := runtime.Encode(oc, v)
			if err != nil {
				return names, fmt.Sprintf("cannot encode %#v: %v", v, err)
			}
			got, err := runtime.Decode(nc, b)
			if err != nil {
				return names, fmt.Sprintf("%#v does not decode: %v", v, err)
			}
			if !same(reflect.ValueOf(v), reflect.ValueOf(got)) {
				return names, fmt.Sprintf("%#v decodes as %#v", v, got)
			}
		}
		return names, ""
	}
}

type (
	sA  = struct{ A int }
	sAB = struct {
		A int
		B string
	}
	sA32  = struct{ A int32 }
	sA64  = struct{ A int64 }
	sAStr = struct{ A string }
	sBin  = struct{ B []byte }
	sText = struct{ B string }
	sU    = struct{ U Upper }
	sUStr = struct{ U string }
)

func ptr[T any](v T) *T { return &v }

var changes = []change{
	// Integers: widening passes, anything that loses values breaks.
	{"int32", "int64", decodes(runtime.Signed[int32]{}, runtime.Signed[int64]{}, math.MinInt32, -1, 0, math.MaxInt32)},
	{"int64", "int32", decodes(runtime.Signed[int64]{}, runtime.Signed[int32]{}, 1<<40)},
	{"uint8", "uint16", decodes(runtime.Unsigned[uint8]{}, runtime.Unsigned[uint16]{}, 0, math.MaxUint8)},
	{"uint16", "uint8", decodes(runtime.Unsigned[uint16]{}, runtime.Unsigned[uint8]{}, 256)},
	{"uint8", "int16", decodes(runtime.Unsigned[uint8]{}, runtime.Signed[int16]{}, 0, math.MaxUint8)},
	{"uint16", "int16", decodes(runtime.Unsigned[uint16]{}, runtime.Signed[int16]{}, math.MaxUint16)},
	{"int8", "uint8", decodes(runtime.Signed[int8]{}, runtime.Unsigned[uint8]{}, -1)},
	{"int", "int64", decodes(runtime.Signed[int]{}, runtime.Signed[int64]{}, math.MinInt, math.MaxInt)},
	{"uint32", "uint", decodes(runtime.Unsigned[uint32]{}, runtime.Unsigned[uint]{}, math.MaxUint32)},
	{"uint64", "int64", decodes(runtime.Unsigned[uint64]{}, runtime.Signed[int64]{}, math.MaxUint64)},
	// Integers into floats that hold every value; floats widen.
	{"int16", "float32", decodes(runtime.Signed[int16]{}, runtime.Float[float32]{}, math.MinInt16, math.MaxInt16)},
	{"int32", "float32", decodes(runtime.Signed[int32]{}, runtime.Float[float32]{}, 1<<24+1)},
	{"int32", "float64", decodes(runtime.Signed[int32]{}, runtime.Float[float64]{}, math.MinInt32, math.MaxInt32)},
	{"uint32", "float64", decodes(runtime.Unsigned[uint32]{}, runtime.Float[float64]{}, math.MaxUint32)},
	{"int64", "float64", decodes(runtime.Signed[int64]{}, runtime.Float[float64]{}, 1<<53+1)},
	{"float32", "float64", decodes(runtime.Float[float32]{}, runtime.Float[float64]{}, 1.1, -0.5, math.MaxFloat32, math.SmallestNonzeroFloat32)},
	{"float64", "float32", decodes(runtime.Float[float64]{}, runtime.Float[float32]{}, 0.1)},
	{"float64", "int64", decodes(runtime.Float[float64]{}, runtime.Signed[int64]{}, 1)},
	// Strings and bytes.
	{"string", "[]byte", decodes(runtime.String[string]{}, runtime.Bytes[[]byte]{}, "", "héllo", "\xff")},
	{"[]byte", "string", decodes(runtime.Bytes[[]byte]{}, runtime.String[string]{}, []byte("x"), nil)},
	{"struct{ B []byte }", "struct{ B string }", decodes(runtime.Value[sBin]{}, runtime.Value[sText]{}, sBin{[]byte("x")}, sBin{[]byte("\xff")}, sBin{})},
	{"[4]byte", "string", decodes(runtime.Value[[4]byte]{}, runtime.String[string]{}, [4]byte{0xff, 0, 1, 2})},
	{"[4]byte", "[]byte", decodes(runtime.Value[[4]byte]{}, runtime.Bytes[[]byte]{}, [4]byte{0xff, 0, 1, 2})},
	{"[4]byte", "[8]byte", decodes(runtime.Value[[4]byte]{}, runtime.Value[[8]byte]{}, [4]byte{0xff, 0, 1, 2})},
	{"[]byte", "[4]byte", decodes(runtime.Bytes[[]byte]{}, runtime.Value[[4]byte]{}, []byte{1, 2, 3, 4, 5})},
	// Other kinds do not mix.
	{"int64", "string", decodes(runtime.Signed[int64]{}, runtime.String[string]{}, 1)},
	{"string", "int64", decodes(runtime.String[string]{}, runtime.Signed[int64]{}, "1")},
	{"bool", "int", decodes(runtime.Bool[bool]{}, runtime.Signed[int]{}, true)},
	{"time.Time", "int64", decodes(runtime.Time{}, runtime.Signed[int64]{}, time.Unix(1, 0))},
	{"int64", "time.Time", decodes(runtime.Signed[int64]{}, runtime.Time{}, 1)},
	{"time.Time", "time.Time", decodes(runtime.Time{}, runtime.Time{}, time.Unix(1700000000, 5), time.Time{})},
	// Containers change as their elements do.
	{"[]int32", "[]int64", decodes(runtime.Value[[]int32]{}, runtime.Value[[]int64]{}, nil, []int32{}, []int32{math.MinInt32, math.MaxInt32})},
	{"[]int64", "[]int32", decodes(runtime.Value[[]int64]{}, runtime.Value[[]int32]{}, []int64{1 << 40})},
	{"[]int", "int", decodes(runtime.Value[[]int]{}, runtime.Signed[int]{}, []int{1})},
	{"int", "[]int", decodes(runtime.Signed[int]{}, runtime.Value[[]int]{}, 1)},
	{"map[string]int32", "map[string]int64", decodes(runtime.Value[map[string]int32]{}, runtime.Value[map[string]int64]{},
		nil, map[string]int32{"a": math.MinInt32, "b": math.MaxInt32})},
	{"map[string]int", "map[int]int", decodes(runtime.Value[map[string]int]{}, runtime.Value[map[int]int]{}, map[string]int{"1": 1})},
	{"map[int8]string", "map[int64]string", decodes(runtime.Value[map[int8]string]{}, runtime.Value[map[int64]string]{},
		map[int8]string{math.MinInt8: "a", math.MaxInt8: "b"})},
	{"[2]int", "[3]int", decodes(runtime.Value[[2]int]{}, runtime.Value[[3]int]{}, [2]int{1, 2})},
	{"[3]int", "[2]int", decodes(runtime.Value[[3]int]{}, runtime.Value[[2]int]{}, [3]int{1, 2, 3})},
	{"[2]int", "[]int", decodes(runtime.Value[[2]int]{}, runtime.Value[[]int]{}, [2]int{1, 2})},
	{"[]int", "[2]int", decodes(runtime.Value[[]int]{}, runtime.Value[[2]int]{}, []int{1, 2, 3})},
	// Pointers: T to *T passes, *T to T loses nil.
	{"int", "*int", decodes(runtime.Signed[int]{}, runtime.Value[*int]{}, 0, 5)},
	{"struct{ A int }", "*struct{ A int }", decodes(runtime.Value[sA]{}, runtime.Value[*sA]{}, sA{5})},
	{"*int", "int", decodes(runtime.Value[*int]{}, runtime.Signed[int]{}, nil)},
	{"*int32", "*int64", decodes(runtime.Value[*int32]{}, runtime.Value[*int64]{}, nil, ptr[int32](math.MinInt32))},
	// Structs change as their common fields do.
	{"struct{ A int }", "struct{ A int; B string }", decodes(runtime.Value[sA]{}, runtime.Value[sAB]{}, sA{5})},
	{"struct{ A int; B string }", "struct{ A int }", decodes(runtime.Value[sAB]{}, runtime.Value[sA]{}, sAB{5, "x"})},
	{"struct{ A int32 }", "struct{ A int64 }", decodes(runtime.Value[sA32]{}, runtime.Value[sA64]{}, sA32{math.MinInt32})},
	{"struct{ A int64 }", "struct{ A string }", decodes(runtime.Value[sA64]{}, runtime.Value[sAStr]{}, sA64{1})},
	{"Line", "LineV2", decodes(runtime.Value[Line]{}, runtime.Value[LineV2]{}, Line{"a", &Line{"b", nil}})},
	{"Line", "LineX", decodes(runtime.Value[Line]{}, runtime.Value[LineX]{}, Line{"a", nil})},
	// Named types read as what they are defined as, unless they encode
	// themselves.
	{"int64", "Count", decodes(runtime.Signed[int64]{}, runtime.Signed[Count]{}, math.MinInt64, math.MaxInt64)},
	{"Count", "int64", decodes(runtime.Signed[Count]{}, runtime.Signed[int64]{}, math.MinInt64, math.MaxInt64)},
	{"struct{ U Upper }", "struct{ U Upper }", decodes(runtime.Value[sU]{}, runtime.Value[sU]{}, sU{"ABC"})},
	{"struct{ U Upper }", "struct{ U string }", decodes(runtime.Value[sU]{}, runtime.Value[sUStr]{}, sU{"abc"})},
	{"Upper", "string", decodes(runtime.String[Upper]{}, runtime.String[string]{}, "abc")}, // the kind codec ignores MarshalText
}

// TestChangeRules proves the compatibility rules: for every change, the
// rules pass it exactly when every sample value encoded with the old
// type's codec decodes with the new type's codec to the same value.
func TestChangeRules(t *testing.T) {
	pkg := changeSchemas(t)
	old, new := fieldsOf(pkg, "Old"), fieldsOf(pkg, "New")
	for i, c := range changes {
		codecs, lost := c.proof()
		for j, ft := range []types.Type{old[i].Type(), new[i].Type()} {
			if want := "runtime." + kindOf(ft).codec(); !strings.HasPrefix(codecs[j], want) {
				t.Fatalf("%s → %s: the proof uses %s where sessgen uses %s", c.old, c.new, codecs[j], want)
			}
		}
		newT := new[i].Type()
		why := newCompat().why(fieldShape(old[i].Type()), fieldShape(newT), kindOf(newT) != kindValue)
		switch {
		case why == "" && lost != "":
			t.Errorf("%s → %s passes, but %s", c.old, c.new, lost)
		case why != "" && lost == "":
			t.Errorf("%s → %s breaks (%s), but every sample decodes exactly", c.old, c.new, why)
		}
	}
}

// TestChangeProblems runs the changes through the generator: the schema
// Old is recorded as a generated file records it, and a run over that file
// with the schema New reports each breaking change at its field, and
// nothing else; renaming a key with was= keeps the check.
func TestChangeProblems(t *testing.T) {
	pkg := changeSchemas(t)
	tgt := &target{dir: "/p", path: "/p/old_sess.go"}
	olds, err := build(pkg, tgt, []string{"Old"})
	if err != nil {
		t.Fatal(err)
	}
	tgt.old = []byte(header + "\n\npackage p\n\n" + recordText(olds) + "\n")
	news, err := build(pkg, tgt, []string{"New", "Renamed"})
	if err != nil {
		t.Fatal(err)
	}
	err = checkChanges(news, tgt)
	var ps Problems
	if err != nil && !errors.As(err, &ps) {
		t.Fatal(err)
	}
	got := make(map[token.Position]string)
	for _, p := range ps {
		got[p.Pos] = p.Msg
	}
	for _, s := range news {
		for i, f := range s.Fields {
			c := changes[i]
			_, lost := c.proof()
			if s.Name == "Renamed" {
				c.new += " renamed"
			}
			msg, reported := got[f.Pos]
			switch {
			case lost != "" && !reported:
				t.Errorf("%s → %s: no problem at %s", c.old, c.new, f.Pos)
			case lost == "" && reported:
				t.Errorf("%s → %s: %s: %s", c.old, c.new, f.Pos, msg)
			case reported && !strings.Contains(msg, "-allow-breaking"):
				t.Errorf("%s → %s: the problem does not say how to proceed: %s", c.old, c.new, msg)
			}
			delete(got, f.Pos)
		}
	}
	for pos, msg := range got {
		t.Errorf("unexpected problem at %s: %s", pos, msg)
	}
	if err := checkChanges(olds, tgt); err != nil {
		t.Errorf("the recorded schema against itself: %v", err)
	}
}

// TestFlashIsNotData proves the rule that a key turned from flash to data
// (or back) breaks: the two are kept apart, and neither reads the other.
func TestFlashIsNotData(t *testing.T) {
	s := runtime.NewSession()
	runtime.Now(s, "k", "flash", runtime.String[string]{})
	runtime.Store(s, "j", "data", runtime.String[string]{})
	if v, ok := runtime.Lookup(s, "k", runtime.String[string]{}); ok {
		t.Errorf("a flash value reads as data: %q", v)
	}
	if v, ok := runtime.LookupFlash(s, "j", runtime.String[string]{}); ok {
		t.Errorf("a data value reads as flash: %q", v)
	}

	pkg := typeCheckSource(t, "package p\n\ntype Old struct{ N int `session:\"n,flash\"` }\n\ntype New struct{ N int `session:\"n\"` }\n")
	tgt := &target{dir: "/p", path: "/p/old_sess.go"}
	olds, err := build(pkg, tgt, []string{"Old"})
	if err != nil {
		t.Fatal(err)
	}
	tgt.old = []byte(header + "\n\npackage p\n\n" + recordText(olds) + "\n")
	news, err := build(pkg, tgt, []string{"New"})
	if err != nil {
		t.Fatal(err)
	}
	err = checkChanges(news, tgt)
	if want := "/p/p.go:5:18: field N: stored sessions hold flash values under session key \"n\", and the field is now data"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("flash to data: %v\nwant %s...", err, want)
	}
}

// TestRecordRoundTrip reads back the record of every golden case with a
// field of every kind.
func TestRecordRoundTrip(t *testing.T) {
	l := loadFor(t, "../testdata/allkinds", Config{Types: []string{"Kinds"}})
	schemas, err := build(l.pkg, l.t, []string{"Kinds"})
	if err != nil {
		t.Fatal(err)
	}
	text := recordText(schemas)
	r, err := parseRecord([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.schemas) != 1 || r.schemas[0] != "Kinds" || len(r.entries) != len(schemas[0].Fields) {
		t.Fatalf("read %d schemas, %d entries", len(r.schemas), len(r.entries))
	}
	for i, e := range r.entries {
		f := schemas[0].Fields[i]
		if e.key != f.Key || e.flash != f.Flash || e.shape.String() != f.Shape.String() {
			t.Errorf("entry %d: %s %v %s, want %s %v %s", i, e.key, e.flash, e.shape, f.Key, f.Flash, f.Shape)
		}
		if why := newCompat().why(e.shape, f.Shape, f.Kind != kindValue); why != "" {
			t.Errorf("%s: the shape read back is not compatible with itself: %s", f.Key, why)
		}
	}
	for _, bad := range []string{"//sessgen:data k int", "//sessgen:schema S\n//sessgen:data k nope",
		"//sessgen:schema S\n//sessgen:data k {A int", "//sessgen:schema S\n//sessgen:data k *@1", "//sessgen:oops"} {
		if _, err := parseRecord([]byte(bad)); err == nil {
			t.Errorf("parseRecord(%q) succeeded", bad)
		}
	}
}

// changeSchemas type-checks the schemas Old, New and Renamed, whose fields
// are the changes, each under the key kN (Renamed: kN_new, was=kN).
func changeSchemas(t *testing.T) *packages.Package {
	t.Helper()
	var b strings.Builder
	b.WriteString("package p\n\nimport \"time\"\n\nvar _ time.Time\n" + changeDecls)
	for _, s := range []string{"Old", "New", "Renamed"} {
		fmt.Fprintf(&b, "\ntype %s struct {\n", s)
		for i, c := range changes {
			typ, tag := c.new, fmt.Sprintf("k%d", i)
			switch s {
			case "Old":
				typ = c.old
			case "Renamed":
				tag = fmt.Sprintf("k%d_new,was=k%d", i, i)
			}
			fmt.Fprintf(&b, "\tF%d %s `session:%q`\n", i, typ, tag)
		}
		b.WriteString("}\n")
	}
	return typeCheckSource(t, b.String())
}

// typeCheckSource type-checks src as the file p.go of package p, as the
// load stage would hand it on.
func typeCheckSource(t *testing.T, src string) *packages.Package {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "/p/p.go", src, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: goimporter.ForCompiler(fset, "source", nil)}
	tp, err := conf.Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &packages.Package{Name: "p", PkgPath: "example.com/p", Fset: fset, Syntax: []*ast.File{f}, Types: tp}
}

func fieldsOf(pkg *packages.Package, name string) []*types.Var {
	st := pkg.Types.Scope().Lookup(name).Type().Underlying().(*types.Struct)
	vs := make([]*types.Var, st.NumFields())
	for i := range vs {
		vs[i] = st.Field(i)
	}
	return vs
}

// same reports whether the decoded value n holds exactly what the old
// value o held: numbers of equal value, the same bytes in strings and byte
// slices, equal instants, equal elements (an array may grow, the new
// elements zero), the common fields of structs equal (fields of n that o
// lacks zero), and a pointer equal to what o holds or points to, nil only
// where o is nil.
func same(o, n reflect.Value) bool {
	switch {
	case n.Kind() == reflect.Pointer:
		if n.IsNil() {
			return isNil(o)
		}
		if o.Kind() == reflect.Pointer {
			return !o.IsNil() && same(o.Elem(), n.Elem())
		}
		return same(o, n.Elem())
	case o.Kind() == reflect.Pointer:
		return !o.IsNil() && same(o.Elem(), n)
	}
	if ob, ok := byteString(o); ok {
		nb, ok := byteString(n)
		if ok && n.Kind() == reflect.Array && len(ob) < len(nb) { // a grown array, the new bytes zero
			return bytes.Equal(ob, nb[:len(ob)]) && bytes.Count(nb[len(ob):], []byte{0}) == len(nb)-len(ob)
		}
		return ok && bytes.Equal(ob, nb)
	}
	if ox, ok := number(o); ok {
		nx, ok := number(n)
		return ok && ox.Cmp(nx) == 0
	}
	if ot, ok := o.Interface().(time.Time); ok {
		nt, ok := n.Interface().(time.Time)
		return ok && ot.Equal(nt)
	}
	switch {
	case o.Kind() == reflect.Bool && n.Kind() == reflect.Bool:
		return o.Bool() == n.Bool()
	case (o.Kind() == reflect.Slice || o.Kind() == reflect.Array) && (n.Kind() == reflect.Slice || n.Kind() == reflect.Array):
		if o.Len() > n.Len() || n.Kind() == reflect.Slice && o.Len() != n.Len() {
			return false
		}
		for i := range n.Len() {
			if i >= o.Len() && !n.Index(i).IsZero() || i < o.Len() && !same(o.Index(i), n.Index(i)) {
				return false
			}
		}
		return true
	case o.Kind() == reflect.Map && n.Kind() == reflect.Map:
		if o.Len() != n.Len() {
			return false
		}
		for _, ok := range o.MapKeys() {
			found := false
			for _, nk := range n.MapKeys() {
				if same(ok, nk) && same(o.MapIndex(ok), n.MapIndex(nk)) {
					found = true
				}
			}
			if !found {
				return false
			}
		}
		return true
	case o.Kind() == reflect.Struct && n.Kind() == reflect.Struct:
		for i := range n.NumField() {
			of := o.FieldByName(n.Type().Field(i).Name)
			if of.IsValid() && !same(of, n.Field(i)) || !of.IsValid() && !n.Field(i).IsZero() {
				return false
			}
		}
		return true
	}
	return false
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Map:
		return v.IsNil()
	}
	return false
}

// byteString returns the bytes of a string, []byte or [N]byte.
func byteString(v reflect.Value) ([]byte, bool) {
	switch {
	case v.Kind() == reflect.String:
		return []byte(v.String()), true
	case (v.Kind() == reflect.Slice || v.Kind() == reflect.Array) && v.Type().Elem().Kind() == reflect.Uint8:
		b := make([]byte, v.Len())
		reflect.Copy(reflect.ValueOf(b), v)
		return b, true
	}
	return nil, false
}

// number returns the exact value of an integer or float.
func number(v reflect.Value) (*big.Float, bool) {
	switch {
	case v.CanInt():
		return new(big.Float).SetInt64(v.Int()), true
	case v.CanUint():
		return new(big.Float).SetUint64(v.Uint()), true
	case v.CanFloat():
		return big.NewFloat(v.Float()), true
	}
	return nil, false
}
