package gen

import (
	"fmt"
	"go/types"
	"reflect"
	"strings"
)

// The type rules: which Go types a session can store, and how each is
// encoded.

// isTime reports whether t is time.Time (or an alias of it).
func isTime(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time"
}

// overTime reports whether n is a type defined over time.Time (type T
// time.Time), which has time.Time's unexported fields and none of its
// methods.
func overTime(st *types.Struct) bool {
	return st.NumFields() == 3 && st.Field(0).Pkg() != nil && st.Field(0).Pkg().Path() == "time" && st.Field(0).Name() == "wall"
}

// kindOf returns the encoding of a supported type.
func kindOf(t types.Type) kind {
	if isTime(t) {
		return kindTime
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		info := u.Info()
		switch {
		case info&types.IsBoolean != 0:
			return kindBool
		case info&types.IsUnsigned != 0:
			return kindUnsigned
		case info&types.IsInteger != 0:
			return kindSigned
		case info&types.IsFloat != 0:
			return kindFloat
		case info&types.IsString != 0:
			return kindString
		}
	case *types.Slice:
		if types.Identical(u.Elem(), types.Typ[types.Uint8]) {
			return kindBytes
		}
	}
	return kindValue
}

// unsupported says why values of type t cannot round-trip through a
// session, or returns "". Types are spelled as package pkg spells them.
func unsupported(pkg *types.Package, t types.Type) string {
	c := checker{qual: relativeTo(pkg), seen: make(map[*types.Named]bool)}
	inner, where, why := c.check(t, nil)
	if why == "" {
		return ""
	}
	msg := "type " + c.typeString(t) + " cannot be stored in a session: "
	if len(where) > 0 {
		msg += describe(where) + " is " + c.typeString(inner) + ", and "
	}
	return msg + why + skipHint
}

// describe names a place inside a type: [slice element, pointer target] is
// "the pointer target of its slice element".
func describe(where []string) string {
	parts := make([]string, len(where))
	for i, w := range where {
		parts[len(where)-1-i] = "the " + w
	}
	parts[len(parts)-1] = "its " + where[0]
	return strings.Join(parts, " of ")
}

// maxInstances is how many instances of one generic type may nest inside
// each other before [invalid] takes the nesting for an instantiation
// cycle (type G[T any] struct{ Next *G[[]T] }), which the compiler
// rejects but whose types unfold without end.
const maxInstances = 16

// invalid says how t fails to compile ("does not compile", "instantiates
// ... without end"), or returns "" when it does not: whether it contains
// an invalid type, or unfolds an instantiation cycle, along the paths that
// [checker.check] follows (it stops at functions and interfaces, which
// cannot be stored anyway).
func invalid(t types.Type) string {
	seen := make(map[types.Type]bool)
	nested := make(map[*types.Named]int) // instances of each generic type on the path
	var walk func(t types.Type) string
	walkAll := func(ts ...types.Type) string {
		for _, t := range ts {
			if why := walk(t); why != "" {
				return why
			}
		}
		return ""
	}
	walk = func(t types.Type) string {
		if seen[t] {
			return ""
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Basic:
			if t.Kind() == types.Invalid {
				return "does not compile"
			}
		case *types.Alias:
			return walk(types.Unalias(t))
		case *types.Named:
			if t.TypeArgs().Len() > 0 {
				o := t.Origin()
				if nested[o]++; nested[o] > maxInstances {
					return "instantiates " + o.Obj().Name() + " without end (an instantiation cycle)"
				}
				defer func() { nested[o]-- }()
				for i := range t.TypeArgs().Len() {
					if why := walk(t.TypeArgs().At(i)); why != "" {
						return why
					}
				}
			}
			return walk(t.Underlying())
		case *types.Pointer:
			return walk(t.Elem())
		case *types.Slice:
			return walk(t.Elem())
		case *types.Array:
			return walk(t.Elem())
		case *types.Chan:
			return walk(t.Elem())
		case *types.Map:
			return walkAll(t.Key(), t.Elem())
		case *types.Struct:
			for i := range t.NumFields() {
				if why := walk(t.Field(i).Type()); why != "" {
					return why
				}
			}
		}
		return ""
	}
	return walk(t)
}

// checker walks a type looking for something that cannot be encoded.
type checker struct {
	qual types.Qualifier
	seen map[*types.Named]bool // named types being checked, for recursive types
}

func (c *checker) typeString(t types.Type) string { return types.TypeString(t, c.qual) }

const skipHint = `; or tag the field session:"-"`

// check returns the offending type, where it sits within the field's type,
// and why it cannot be stored; why is "" when all of t can be.
func (c *checker) check(t types.Type, where []string) (types.Type, []string, string) {
	switch t := t.(type) {
	case *types.Alias:
		inner, w, why := c.check(types.Unalias(t), where)
		if inner == types.Unalias(t) {
			inner = t // name the type as the user wrote it
		}
		return inner, w, why
	case *types.Named:
		if isTime(t) || c.seen[t] {
			return nil, nil, ""
		}
		c.seen[t] = true
		name := c.typeString(t)
		if st, ok := t.Underlying().(*types.Struct); ok {
			if overTime(st) {
				return t, where, name + " is defined over time.Time but is not time.Time, so it has none of time.Time's " +
					"encoding and would lose its value; use time.Time itself (or a struct with a time.Time field)"
			}
			for i := range st.NumFields() {
				if f := st.Field(i); !f.Exported() {
					return t, where, fmt.Sprintf("%s has the unexported field %s, which msgpack cannot encode; export the field, "+
						"or store a type whose fields are all exported", name, f.Name())
				}
			}
		}
		inner, w, why := c.check(t.Underlying(), where)
		if inner == t.Underlying() {
			inner = t
		}
		return inner, w, why
	case *types.Basic:
		switch {
		case t.Kind() == types.Invalid:
			return t, where, "the type does not compile; fix the package's compile errors first"
		case t.Info()&types.IsComplex != 0:
			return t, where, "msgpack has no complex numbers; store the real and imaginary parts as two float64 fields"
		case t.Kind() == types.UnsafePointer:
			return t, where, "an unsafe.Pointer is an address in this process and means nothing in the next request; store the value it points to"
		}
		return nil, nil, ""
	case *types.Pointer:
		return c.check(t.Elem(), append(where, "pointer target"))
	case *types.Slice:
		return c.check(t.Elem(), append(where, "slice element"))
	case *types.Array:
		return c.check(t.Elem(), append(where, "array element"))
	case *types.Map:
		k, ok := t.Key().Underlying().(*types.Basic)
		if !ok || k.Info()&(types.IsString|types.IsInteger) == 0 {
			return t.Key(), append(where, "map key"), "map keys must be strings or integers; key the map by a string or an integer"
		}
		return c.check(t.Elem(), append(where, "map value"))
	case *types.Struct:
		for i := range t.NumFields() {
			f := t.Field(i)
			if !f.Exported() {
				return t, where, fmt.Sprintf("the struct has the unexported field %s, which msgpack cannot encode; export the field, "+
					"or store a type whose fields are all exported", f.Name())
			}
			if tag, _ := reflect.StructTag(t.Tag(i)).Lookup("msgpack"); tag == "-" || strings.HasPrefix(tag, "-,") {
				continue // msgpack skips it, by the user's choice
			}
			if inner, w, why := c.check(f.Type(), append(where, "field "+f.Name())); why != "" {
				return inner, w, why
			}
		}
		return nil, nil, ""
	case *types.Chan:
		return t, where, "channels connect goroutines of one process and cannot be encoded; store the values sent on it instead"
	case *types.Signature:
		return t, where, "functions cannot be encoded; store the data the function needs instead"
	case *types.Interface:
		return t, where, "an interface gives the decoder no concrete type to decode into and would defeat the session's " +
			"type safety; use a concrete type (a struct, or one field per alternative)"
	case *types.TypeParam:
		return t, where, "type parameters are not supported; use a concrete type"
	}
	return t, where, fmt.Sprintf("unsupported type %T", t)
}
