package gen

import (
	"fmt"
	"go/token"
	"go/types"
	"reflect"
	"strings"
)

// Kind is how a field's value is encoded: which runtime codec the
// generated code uses for it.
type Kind int

// The kinds of field. Each basic kind has a reflection-free runtime codec;
// KindValue covers composite types, encoded with msgpack's reflection.
const (
	KindBool     Kind = iota + 1 // underlying bool: runtime.Bool
	KindSigned                   // underlying int, int8 ... int64: runtime.Signed
	KindUnsigned                 // underlying uint, uint8 ... uint64, uintptr: runtime.Unsigned
	KindFloat                    // underlying float32, float64: runtime.Float
	KindString                   // underlying string: runtime.String
	KindBytes                    // underlying []byte: runtime.Bytes
	KindTime                     // time.Time exactly: runtime.Time
	KindValue                    // slices, arrays, maps, structs, pointers: runtime.Value
)

// codec is the name of the runtime codec type of the kind.
func (k Kind) codec() string {
	return [...]string{"", "Bool", "Signed", "Unsigned", "Float", "String", "Bytes", "Time", "Value"}[k]
}

// integer reports whether Increment and Decrement are generated.
func (k Kind) integer() bool { return k == KindSigned || k == KindUnsigned }

// A Schema is one struct named by -type: the session fields it declares.
type Schema struct {
	Name   string         // the struct type's name, e.g. Cart
	Named  *types.Named   // the struct type
	Pos    token.Position // where the type is declared
	Fields []Field        // the session fields, in declaration order
}

// A Field is one value of the session.
type Field struct {
	Name  string         // the Go field name, e.g. CartID
	Key   string         // the session key, e.g. cart_id
	Flash bool           // a flash value rather than a data value
	Type  types.Type     // the field's type as declared
	Kind  Kind           // how the value is encoded
	Pos   token.Position // where the field is declared
}

// Names of the generated top-level declarations of a schema.
func (s *Schema) sessionType() string { return s.Name + "Session" }
func (s *Schema) fromFunc() string    { return s.Name + "SessionFrom" }
func (s *Schema) newFunc() string {
	if token.IsExported(s.Name) {
		return "New" + s.Name + "Session"
	}
	return "new" + strings.ToUpper(s.Name[:1]) + s.Name[1:] + "Session"
}

// sessionMethods are the generated methods that belong to no field.
var sessionMethods = []string{"All", "ID", "Reset", "Regenerate", "Invalidate", "Reflash", "Raw"}

// methods returns the names of the methods generated for f.
func (f *Field) methods() []string {
	n := f.Name
	if f.Flash {
		return []string{"Flash" + n, "Now" + n, n, "Lookup" + n, "Has" + n, "Keep" + n, "Delete" + n}
	}
	ms := []string{n, "Lookup" + n, "Has" + n, "Set" + n, "Delete" + n, "Pull" + n}
	if f.Kind.integer() {
		ms = append(ms, "Increment"+n, "Decrement"+n)
	}
	return ms
}

// builder builds schemas from type-checked code, collecting problems.
type builder struct {
	pkg   *types.Package
	fset  *token.FileSet
	probs Problems
}

func (b *builder) pos(p token.Pos) token.Position { return b.fset.Position(p) }

func (b *builder) fieldProblem(f *types.Var, format string, args ...any) {
	b.probs = append(b.probs, Problem{Pos: b.pos(f.Pos()), Field: f.Name(), Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) typeProblem(obj types.Object, name, format string, args ...any) {
	p := Problem{Type: name, Msg: fmt.Sprintf(format, args...)}
	if obj != nil {
		p.Pos = b.pos(obj.Pos())
	}
	b.probs = append(b.probs, p)
}

// qualify writes types of the schema's own package unqualified.
func (b *builder) qualify(p *types.Package) string {
	if p == b.pkg {
		return ""
	}
	return p.Name()
}

func (b *builder) typeString(t types.Type) string { return types.TypeString(t, b.qualify) }

// schema builds the model of the type called name, or returns nil after
// recording why it cannot.
func (b *builder) schema(name string, origin token.Position) *Schema {
	obj := b.pkg.Scope().Lookup(name)
	if obj == nil {
		b.probs = append(b.probs, Problem{Pos: origin, Type: name,
			Msg: fmt.Sprintf("no such type in package %s; -type takes the names of struct types declared in the package", b.pkg.Name())})
		return nil
	}
	tn, ok := obj.(*types.TypeName)
	if !ok {
		b.typeProblem(obj, name, "%s is a %s, not a type; -type takes the names of struct types", name, objectKind(obj))
		return nil
	}
	if tn.IsAlias() {
		b.typeProblem(obj, name, "%s is an alias; name a struct type declared in this package instead", name)
		return nil
	}
	named, ok := tn.Type().(*types.Named)
	if !ok {
		b.typeProblem(obj, name, "%s is not a defined type; -type takes the names of struct types", name)
		return nil
	}
	st, ok := named.Underlying().(*types.Struct)
	if !ok {
		b.typeProblem(obj, name, "%s is not a struct (its underlying type is %s); the schema must be a struct type with one field per session value",
			name, b.typeString(named.Underlying()))
		return nil
	}
	if named.TypeParams().Len() > 0 {
		b.typeProblem(obj, name, "%s is generic; the schema must be a struct type without type parameters", name)
		return nil
	}
	s := &Schema{Name: name, Named: named, Pos: b.pos(obj.Pos())}
	keys := make(map[string]string) // key → field name
	for i := range st.NumFields() {
		f := st.Field(i)
		tag, tagged := reflect.StructTag(st.Tag(i)).Lookup("session")
		if tag == "-" {
			continue
		}
		if !f.Exported() {
			if tagged {
				b.fieldProblem(f, "unexported fields are not session values, but this one has the tag session:%q; export the field or remove the tag", tag)
			}
			continue
		}
		if f.Embedded() {
			b.fieldProblem(f, "embedded fields are not flattened into the session; give the field a name (%s %s) or tag it session:\"-\"",
				f.Name(), b.typeString(f.Type()))
			continue
		}
		field := Field{Name: f.Name(), Type: f.Type(), Pos: b.pos(f.Pos())}
		key, opts, _ := strings.Cut(tag, ",")
		if key == "" {
			key = snakeCase(f.Name())
		}
		field.Key = key
		bad := false
		if opts != "" {
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "flash":
					field.Flash = true
				default:
					b.fieldProblem(f, "unknown option %q in tag session:%q; the only option is flash, as in session:\"%s,flash\"", o, tag, key)
					bad = true
				}
			}
		}
		if msg := keyProblem(key); msg != "" {
			b.fieldProblem(f, "%s", msg)
			bad = true
		} else if other, dup := keys[key]; dup {
			b.fieldProblem(f, "session key %q is already used by field %s; give one of them another key with a session tag", key, other)
			bad = true
		} else {
			keys[key] = f.Name()
		}
		if msg := b.unsupported(f.Type()); msg != "" {
			b.fieldProblem(f, "%s", msg)
			bad = true
		}
		if bad {
			continue
		}
		field.Kind = kindOf(f.Type())
		s.Fields = append(s.Fields, field)
	}
	b.checkMethodNames(s, st)
	return s
}

func objectKind(obj types.Object) string {
	switch obj.(type) {
	case *types.Func:
		return "function"
	case *types.Var:
		return "variable"
	case *types.Const:
		return "constant"
	}
	return "non-type"
}

// checkMethodNames reports fields whose generated methods would collide
// with another generated method.
func (b *builder) checkMethodNames(s *Schema, st *types.Struct) {
	owner := make(map[string]string) // method → who generates it
	for _, m := range sessionMethods {
		owner[m] = "the session method " + m
	}
	vars := make(map[string]*types.Var)
	for i := range st.NumFields() {
		vars[st.Field(i).Name()] = st.Field(i)
	}
	kept := s.Fields[:0]
	for _, f := range s.Fields {
		var clash []string
		for _, m := range f.methods() {
			if o, ok := owner[m]; ok {
				clash = append(clash, fmt.Sprintf("%s (already %s)", m, o))
			}
		}
		if len(clash) > 0 {
			b.fieldProblem(vars[f.Name], "the generated method %s; rename the field (a session tag keeps the key: session:%q)",
				strings.Join(clash, " and "), f.Key+flashOpt(f.Flash))
			continue
		}
		kind := "field"
		if f.Flash {
			kind = "flash field"
		}
		for _, m := range f.methods() {
			owner[m] = "generated for " + kind + " " + f.Name
		}
		kept = append(kept, f)
	}
	s.Fields = kept
}

func flashOpt(flash bool) string {
	if flash {
		return ",flash"
	}
	return ""
}

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
func kindOf(t types.Type) Kind {
	if isTime(t) {
		return KindTime
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		info := u.Info()
		switch {
		case info&types.IsBoolean != 0:
			return KindBool
		case info&types.IsUnsigned != 0:
			return KindUnsigned
		case info&types.IsInteger != 0:
			return KindSigned
		case info&types.IsFloat != 0:
			return KindFloat
		case info&types.IsString != 0:
			return KindString
		}
	case *types.Slice:
		if types.Identical(u.Elem(), types.Typ[types.Uint8]) {
			return KindBytes
		}
	}
	return KindValue
}

// unsupported says why values of type t cannot round-trip through a
// session, or returns "".
func (b *builder) unsupported(t types.Type) string {
	c := checker{b: b, seen: make(map[*types.Named]bool)}
	inner, where, why := c.check(t, nil)
	if why == "" {
		return ""
	}
	msg := "type " + b.typeString(t) + " cannot be stored in a session: "
	if len(where) > 0 {
		msg += describe(where) + " is " + b.typeString(inner) + ", and "
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

// checker walks a type looking for something that cannot be encoded.
type checker struct {
	b    *builder
	seen map[*types.Named]bool // named types being checked, for recursive types
}

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
		name := c.b.typeString(t)
		if st, ok := t.Underlying().(*types.Struct); ok && overTime(st) {
			return t, where, name + " is defined over time.Time but is not time.Time, so it has none of time.Time's " +
				"encoding and would lose its value; use time.Time itself (or a struct with a time.Time field)"
		}
		if st, ok := t.Underlying().(*types.Struct); ok {
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
