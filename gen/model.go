package gen

import (
	"go/ast"
	"go/token"
	"go/types"
)

// The model is what the schema stage hands to the emitter: the schemas,
// their fields and how each value is encoded. names.go holds the names
// generated for them.

// A schema is one struct named by -type: the session fields it declares.
type schema struct {
	Name    string         // the struct type's name, e.g. Cart
	Named   *types.Named   // the struct type
	Pos     token.Position // where the type is declared
	EndLine int            // the last line of the type's declaration
	Fields  []field        // the session fields, in declaration order

	file *ast.File // the file declaring the type
}

// A field is one value of the session.
type field struct {
	Name  string         // the Go field name, e.g. CartID
	Key   string         // the session key, e.g. cart_id
	Was   []string       // old keys (was= in the tag), whose values move to Key
	Flash bool           // a flash value rather than a data value
	Type  types.Type     // the field's type as declared
	Kind  kind           // which runtime codec encodes the value
	Shape *shape         // what the encoding of a value looks like
	Pos   token.Position // where the field is declared
}

// kind is how a field's value is encoded: which runtime codec the
// generated code uses for it.
type kind int

// The kinds of field. Each basic kind has a reflection-free runtime codec;
// kindValue covers composite types, encoded with msgpack's reflection.
const (
	kindBool     kind = iota + 1 // underlying bool: runtime.Bool
	kindSigned                   // underlying int, int8 ... int64: runtime.Signed
	kindUnsigned                 // underlying uint, uint8 ... uint64, uintptr: runtime.Unsigned
	kindFloat                    // underlying float32, float64: runtime.Float
	kindString                   // underlying string: runtime.String
	kindBytes                    // underlying []byte: runtime.Bytes
	kindTime                     // time.Time exactly: runtime.Time
	kindValue                    // slices, arrays, maps, structs, pointers: runtime.Value
)

// codec is the name of the runtime codec type of the kind.
func (k kind) codec() string {
	return [...]string{"", "Bool", "Signed", "Unsigned", "Float", "String", "Bytes", "Time", "Value"}[k]
}

// integer reports whether Increment and Decrement are generated.
func (k kind) integer() bool { return k == kindSigned || k == kindUnsigned }

// relativeTo writes the types of pkg unqualified and others by package
// name, as Go source in pkg spells them.
func relativeTo(pkg *types.Package) types.Qualifier {
	return func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
}

// A shape is what the msgpack encoding of a Go type's values looks like,
// as far as decoding them goes: named types are replaced by what they
// encode as, struct fields by the names msgpack gives them. The next run
// of sessgen reads shapes back from the generated file (see record.go) to
// tell whether stored values still decode (see compat.go).
type shape struct {
	op     shapeOp
	name   string       // basic: its spelling (int, bytes, time...); opaque: the Go type
	len    int64        // array, byteArray
	key    *shape       // map
	elem   *shape       // pointer, slice, array, map (the value)
	fields []shapeField // strukt, in encoding order
	label  int          // > 0 when a ref inside the shape refers to it
	target *shape       // ref: the enclosing shape it stands for
}

// A shapeField is a struct field as msgpack encodes it.
type shapeField struct {
	name  string
	shape *shape
}

type shapeOp int

const (
	basic     shapeOp = iota + 1 // bool, int, int8 ... uintptr, float32, float64, string, bytes ([]byte: msgpack bin), time
	opaque                       // a type with its own msgpack, binary or text encoding
	pointer                      // *T
	slice                        // []T, T not a byte
	array                        // [N]T, T not a byte
	byteArray                    // [N]byte: msgpack bin
	mapOf                        // map[K]V
	strukt                       // a struct: a msgpack map keyed by field name
	ref                          // a recursive type's reference to its enclosing shape
)
