package gen

import (
	"fmt"
	"go/types"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Part of the type rules: the shape of each type's encoding (see [shape]),
// and its spelling in records.

// fieldShape returns the shape of the encoding of the values of a field
// of type t, a type that [unsupported] accepts: that of t's kind codec,
// or for the other types what msgpack's reflection writes.
func fieldShape(t types.Type) *shape {
	switch k := kindOf(t); k {
	case kindValue:
		return shapeOf(t)
	case kindBytes, kindTime:
		return &shape{op: basic, name: map[kind]string{kindBytes: "bytes", kindTime: "time"}[k]}
	default:
		return &shape{op: basic, name: types.Typ[t.Underlying().(*types.Basic).Kind()].Name()}
	}
}

// shapeOf returns the shape of the encoding of values of type t inside a
// composite value, as msgpack's reflection writes them.
func shapeOf(t types.Type) *shape {
	var d shaper
	return d.shape(t)
}

// shaper derives shapes, numbering the labels of recursive ones.
type shaper struct {
	open   []openType // the named types being expanded, outermost first
	labels int
}

type openType struct {
	t types.Type
	s *shape
}

func (d *shaper) shape(t types.Type) *shape {
	t = types.Unalias(t)
	switch {
	case isTime(t):
		return &shape{op: basic, name: "time"}
	case ownEncoding(t):
		return &shape{op: opaque, name: types.TypeString(t, nil)}
	}
	n, ok := t.(*types.Named)
	if !ok {
		s := new(shape)
		d.fill(s, t)
		return s
	}
	for _, o := range d.open {
		if types.Identical(o.t, n) {
			if o.s.label == 0 {
				d.labels++
				o.s.label = d.labels
			}
			return &shape{op: ref, target: o.s}
		}
	}
	s := new(shape)
	d.open = append(d.open, openType{n, s})
	d.fill(s, n.Underlying())
	d.open = d.open[:len(d.open)-1]
	return s
}

// fill makes s the shape of the type literal t, leaving its label alone.
func (d *shaper) fill(s *shape, t types.Type) {
	switch t := t.Underlying().(type) {
	case *types.Basic:
		s.op, s.name = basic, types.Typ[t.Kind()].Name()
	case *types.Pointer:
		s.op, s.elem = pointer, d.shape(t.Elem())
	case *types.Slice:
		if isByte(t.Elem()) {
			s.op, s.name = basic, "bytes"
			return
		}
		s.op, s.elem = slice, d.shape(t.Elem())
	case *types.Array:
		s.len = t.Len()
		if isByte(t.Elem()) {
			s.op = byteArray
			return
		}
		s.op, s.elem = array, d.shape(t.Elem())
	case *types.Map:
		s.op, s.key, s.elem = mapOf, d.shape(t.Key()), d.shape(t.Elem())
	case *types.Struct:
		s.op = strukt
		d.fields(s, t)
	}
}

// fields adds the fields of st to the struct shape s as msgpack encodes
// them: named by their msgpack tag or Go name, "-" and unexported fields
// left out, embedded structs inlined unless a field name would clash.
func (d *shaper) fields(s *shape, st *types.Struct) {
	has := func(name string) bool {
		return slices.ContainsFunc(s.fields, func(f shapeField) bool { return f.name == name })
	}
	for i := range st.NumFields() {
		f := st.Field(i)
		name, opts, _ := strings.Cut(reflect.StructTag(st.Tag(i)).Get("msgpack"), ",")
		if name == "-" || !f.Exported() && !f.Embedded() {
			continue
		}
		if name == "" {
			name = f.Name()
		}
		if inner := d.inlined(f, opts); inner != nil {
			in := &shape{op: strukt}
			d.fields(in, inner)
			forced := slices.Contains(strings.Split(opts, ","), "inline")
			if forced || !slices.ContainsFunc(in.fields, func(f shapeField) bool { return has(f.name) }) {
				for _, g := range in.fields {
					if !has(g.name) {
						s.fields = append(s.fields, g)
					}
				}
				continue
			}
		}
		s.fields = append(s.fields, shapeField{name, d.shape(f.Type())})
	}
}

// inlined returns the struct whose fields msgpack may inline in place of
// the embedded field f (with tag options opts), or nil.
func (d *shaper) inlined(f *types.Var, opts string) *types.Struct {
	if !f.Embedded() || slices.Contains(strings.Split(opts, ","), "noinline") {
		return nil
	}
	t := types.Unalias(f.Type())
	for {
		p, ok := t.Underlying().(*types.Pointer)
		if !ok {
			break
		}
		t = types.Unalias(p.Elem())
	}
	if isTime(t) || ownEncoding(t) || slices.ContainsFunc(d.open, func(o openType) bool { return types.Identical(o.t, t) }) {
		return nil
	}
	st, _ := t.Underlying().(*types.Struct)
	return st
}

func isByte(t types.Type) bool {
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Kind() == types.Uint8
}

// ownEncoding reports whether values of t (or *t) encode or decode
// themselves, through msgpack's interfaces or the encoding package's,
// which msgpack prefers to its reflection.
func ownEncoding(t types.Type) bool {
	ms := types.NewMethodSet(types.NewPointer(t))
	for _, m := range [...]string{"EncodeMsgpack", "DecodeMsgpack", "MarshalMsgpack", "UnmarshalMsgpack",
		"MarshalBinary", "UnmarshalBinary", "MarshalText", "UnmarshalText"} {
		if ms.Lookup(nil, m) != nil {
			return true
		}
	}
	return false
}

// String spells the shape as records do.
func (s *shape) String() string {
	var b strings.Builder
	s.write(&b, nil)
	return b.String()
}

// write spells s, its basic shapes' names mapped by name when not nil.
func (s *shape) write(b *strings.Builder, name func(string) string) {
	if s.label > 0 {
		fmt.Fprintf(b, "%d@", s.label)
	}
	switch s.op {
	case basic:
		if name != nil {
			b.WriteString(name(s.name))
		} else {
			b.WriteString(s.name)
		}
	case opaque:
		b.WriteString("opaque(" + s.name + ")")
	case pointer:
		b.WriteByte('*')
		s.elem.write(b, name)
	case slice:
		b.WriteString("[]")
		s.elem.write(b, name)
	case array:
		fmt.Fprintf(b, "[%d]", s.len)
		s.elem.write(b, name)
	case byteArray:
		fmt.Fprintf(b, "[%d]byte", s.len)
	case mapOf:
		b.WriteString("map[")
		s.key.write(b, name)
		b.WriteByte(']')
		s.elem.write(b, name)
	case strukt:
		b.WriteByte('{')
		for i, f := range s.fields {
			if i > 0 {
				b.WriteString("; ")
			}
			if isIdent(f.name) {
				b.WriteString(f.name)
			} else {
				b.WriteString(strconv.Quote(f.name))
			}
			b.WriteByte(' ')
			f.shape.write(b, name)
		}
		b.WriteByte('}')
	case ref:
		fmt.Fprintf(b, "@%d", s.target.label)
	}
}

func isIdent(s string) bool {
	for i, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			return false
		}
	}
	return s != ""
}
