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
	Flash bool           // a flash value rather than a data value
	Type  types.Type     // the field's type as declared
	Kind  kind           // how the value is encoded
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
