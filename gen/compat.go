package gen

import (
	"fmt"
	gobuild "go/build"
	"go/token"
	"go/types"
)

// checkChanges compares the schemas with the record of the file they
// replace, when sessgen generated it, and returns a [Problems] naming
// every field whose key (or old key) holds stored values that its new
// type or kind cannot read exactly. A key that no schema uses any more is
// no problem: its values are ignored.
func checkChanges(schemas []*schema, t *target) error {
	if !t.ours() {
		return nil
	}
	r, err := parseRecord(t.old)
	if err != nil {
		return Problems{{Pos: token.Position{Filename: t.path, Line: 1, Column: 1}, Msg: fmt.Sprintf(
			"the schema record in this file cannot be read (%v), so sessgen cannot tell whether stored sessions "+
				"can read the new schema; check the change yourself and accept it with -allow-breaking", err)}}
	}
	byKey := make(map[string][]recorded)
	for _, e := range r.entries {
		byKey[e.key] = append(byKey[e.key], e)
	}
	c := newCompat()
	var ps Problems
	for _, s := range schemas {
		for _, f := range s.Fields {
			for i, key := range append([]string{f.Key}, f.Was...) {
				for _, old := range byKey[key] {
					if msg := c.change(old, f, i > 0); msg != "" {
						ps = append(ps, Problem{Pos: f.Pos, Field: f.Name, Msg: msg})
					}
				}
			}
		}
	}
	if len(ps) > 0 {
		ps.sort()
		return ps
	}
	return nil
}

// change says what stored sessions lose when the values recorded in old
// are read by the field f (under an old key of f when renamed), or "".
func (c *compat) change(old recorded, f field, renamed bool) string {
	where := fmt.Sprintf("session key %q", old.key)
	if renamed {
		where = fmt.Sprintf("the field's old key %q (was=)", old.key)
	}
	const fix = "; give the field a new key in its session tag (the stored values are then ignored), " +
		"or accept the loss with -allow-breaking"
	kind := map[bool]string{false: "data", true: "flash"}
	if old.flash != f.Flash {
		return fmt.Sprintf("stored sessions hold %s values under %s, and the field is now %s, which reads only %s values: "+
			"live sessions would lose them%s", kind[old.flash], where, kind[f.Flash], kind[f.Flash], fix)
	}
	if why := c.why(old.shape, f.Shape, f.Kind != kindValue); why != "" {
		if why == fmt.Sprintf("%s values do not decode as %s", old.shape, f.Shape) {
			why = ""
		} else {
			why = " (" + why + ")"
		}
		return fmt.Sprintf("stored sessions hold %s values under %s, which %s does not read exactly%s: "+
			"live sessions would lose them%s", old.shape, where, f.Shape, why, fix)
	}
	return ""
}

// compat holds the rules that say whether values stored with one shape
// decode exactly as another. They follow what runtime's codecs decode (see
// compat_test.go, which proves each rule by encoding with the old type's
// codec and decoding with the new type's):
//
//   - integers widen (int32 → int64, uint8 → uint16, uint8 → int16) and
//     become floats that hold every value exactly (int16 → float32,
//     int32 → float64); float32 becomes float64;
//   - a string becomes []byte; []byte or [N]byte becomes a string inside
//     a composite value (a whole []byte value may be nil, which the string
//     codec refuses); [N]byte becomes []byte or a longer [M]byte;
//   - T becomes *T, and pointers, slices, maps and arrays (to a length at
//     least as long, or to a slice) change as their elements do;
//   - structs, matched by the names msgpack gives their fields, change as
//     their common fields do; fields may be added (they read as zero) and
//     removed (their values are ignored);
//   - a named type reads as what it is defined as; a type with its own
//     encoding (a MarshalBinary method...) only as itself.
//
// Anything else breaks: narrowing, signed to unsigned, float to integer,
// *T to T (nil), T to []T and back, a slice to an array, a changed kind.
type compat struct {
	sizes   types.Sizes
	assumed map[[2]*shape]bool // recursive shapes being compared
}

func newCompat() *compat {
	return &compat{sizes: types.SizesFor("gc", gobuild.Default.GOARCH), assumed: make(map[[2]*shape]bool)}
}

// why returns "" when every value encoded with shape o decodes exactly as
// shape n, and otherwise why not. strict means n is decoded by one of
// runtime's kind codecs rather than by msgpack's reflection.
func (c *compat) why(o, n *shape, strict bool) string {
	if o.op == ref {
		o = o.target
	}
	if n.op == ref {
		n = n.target
	}
	if c.assumed[[2]*shape{o, n}] {
		return "" // a recursive comparison: the outer one decides
	}
	c.assumed[[2]*shape{o, n}] = true
	defer delete(c.assumed, [2]*shape{o, n})
	switch {
	case o.op == basic && n.op == basic:
		return c.basic(o.name, n.name, strict)
	case o.op == opaque && n.op == opaque && o.name == n.name:
		return ""
	case n.op == pointer && o.op == pointer:
		return c.why(o.elem, n.elem, false)
	case n.op == pointer:
		return c.why(o, n.elem, false)
	case o.op == pointer:
		return fmt.Sprintf("a nil %s does not decode as %s", o, n)
	case n.op == slice && (o.op == slice || o.op == array):
		return in("its elements", c.why(o.elem, n.elem, false))
	case n.op == array && o.op == array && n.len >= o.len:
		return in("its elements", c.why(o.elem, n.elem, false))
	case o.op == byteArray && (n.op == byteArray && n.len >= o.len || n.op == basic && n.name == "bytes"):
		return ""
	case o.op == byteArray && n.op == basic && n.name == "string":
		return ""
	case o.op == mapOf && n.op == mapOf:
		if why := c.why(o.key, n.key, false); why != "" {
			return in("its keys", why)
		}
		return in("its values", c.why(o.elem, n.elem, false))
	case o.op == strukt && n.op == strukt:
		for _, nf := range n.fields {
			for _, of := range o.fields {
				if of.name == nf.name {
					if why := c.why(of.shape, nf.shape, false); why != "" {
						return in("field "+nf.name, why)
					}
				}
			}
		}
		return ""
	}
	return fmt.Sprintf("%s values do not decode as %s", o, n)
}

// basic applies the rules between basic shapes.
func (c *compat) basic(o, n string, strict bool) string {
	if o == n {
		return ""
	}
	os, ob, oInt := c.integer(o)
	ns, nb, nInt := c.integer(n)
	switch {
	case oInt && nInt:
		if os == ns && nb >= ob || !os && ns && nb > ob {
			return ""
		}
		if os && !ns {
			return fmt.Sprintf("negative %s values do not decode as %s", o, n)
		}
		return fmt.Sprintf("%s holds values that %s cannot", o, n)
	case oInt && (n == "float32" || n == "float64"):
		magnitude, mantissa := ob, 53
		if os {
			magnitude--
		}
		if n == "float32" {
			mantissa = 24
		}
		if magnitude <= mantissa {
			return ""
		}
		return fmt.Sprintf("%s holds values that %s cannot hold exactly", o, n)
	case o == "float32" && n == "float64", o == "string" && n == "bytes", o == "bytes" && n == "string" && !strict:
		return ""
	case o == "bytes" && n == "string":
		return "a nil []byte does not decode as a string"
	}
	return fmt.Sprintf("%s values do not decode as %s", o, n)
}

// integer reports whether the basic shape name is an integer, and then
// whether it is signed and its size in bits.
func (c *compat) integer(name string) (signed bool, bits int, ok bool) {
	for k := types.Int; k <= types.Uintptr; k++ {
		if types.Typ[k].Name() == name {
			info := types.Typ[k].Info()
			return info&types.IsUnsigned == 0, int(c.sizes.Sizeof(types.Typ[k])) * 8, true
		}
	}
	return false, 0, false
}

// in places why (if not "") inside a part of a value.
func in(part, why string) string {
	if why == "" {
		return ""
	}
	return part + ": " + why
}
