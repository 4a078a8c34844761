package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/tools/go/packages"
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
	Name    string         // the struct type's name, e.g. Cart
	Named   *types.Named   // the struct type
	Pos     token.Position // where the type is declared
	EndLine int            // the last line of the type's declaration
	Fields  []Field        // the session fields, in declaration order

	file *ast.File // the file declaring the type
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
	r, size := utf8.DecodeRuneInString(s.Name)
	return "new" + string(unicode.ToUpper(r)) + s.Name[size:] + "Session"
}

// topLevel returns the package-level names generated for s.
func (s *Schema) topLevel() []string { return []string{s.sessionType(), s.fromFunc(), s.newFunc()} }

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
	pkg    *types.Package
	fset   *token.FileSet
	files  []*ast.File       // the package's syntax
	loaded *packages.Package // the package, for the files it left out
	probs  Problems
	broken bool                          // a schema depends on a type that does not compile
	posOf  map[*types.Var]token.Position // positions of fields, where the object's own is not the field's
}

func (b *builder) pos(p token.Pos) token.Position { return b.fset.Position(p) }

func (b *builder) fieldPos(f *types.Var) token.Position {
	if p, ok := b.posOf[f]; ok {
		return p
	}
	return b.pos(f.Pos())
}

func (b *builder) fieldProblem(f *types.Var, format string, args ...any) {
	b.probs = append(b.probs, Problem{Pos: b.fieldPos(f), Field: f.Name(), Msg: fmt.Sprintf(format, args...)})
}

func (b *builder) typeProblem(obj types.Object, name, format string, args ...any) {
	p := Problem{Type: name, Msg: fmt.Sprintf(format, args...)}
	if obj != nil {
		p.Pos = b.pos(obj.Pos())
	}
	b.probs = append(b.probs, p)
}

// qualify writes types of the schema's own package unqualified.
func (b *builder) typeString(t types.Type) string { return types.TypeString(t, relativeTo(b.pkg)) }

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

// typeSpec returns the declaration of tn and its file, or nils.
func (b *builder) typeSpec(tn *types.TypeName) (*ast.TypeSpec, *ast.File) {
	for _, f := range b.files {
		if f.FileStart > tn.Pos() || tn.Pos() > f.FileEnd {
			continue
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, sp := range gd.Specs {
				if ts := sp.(*ast.TypeSpec); ts.Name.Pos() == tn.Pos() {
					return ts, f
				}
			}
		}
	}
	return nil, nil
}

// schema builds the model of the type called name, or returns nil after
// recording why it cannot.
func (b *builder) schema(name string, origin token.Position) *Schema {
	obj := b.pkg.Scope().Lookup(name)
	if obj == nil {
		if pos, msg := b.declaredElsewhere(name); msg != "" {
			b.probs = append(b.probs, Problem{Pos: pos, Type: name, Msg: msg})
			return nil
		}
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
	if u, ok := named.Underlying().(*types.Basic); ok && u.Kind() == types.Invalid {
		b.broken = true
		b.typeProblem(obj, name, "%s does not compile; fix the package's compile errors first", name)
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
	spec, file := b.typeSpec(tn)
	s := &Schema{Name: name, Named: named, Pos: b.pos(obj.Pos()), file: file}
	s.EndLine = s.Pos.Line
	if spec != nil {
		s.EndLine = b.pos(spec.End()).Line
	}
	if overTime(st) {
		b.typeProblem(obj, name, "%s is defined over time.Time, which is not a struct of session values; "+
			"declare a struct type with a time.Time field instead", name)
		return nil
	}
	for i := range st.NumFields() {
		if f := st.Field(i); !f.Exported() && f.Pkg() != b.pkg {
			over := "a struct type of package " + f.Pkg().Name()
			if spec != nil {
				over = types.ExprString(spec.Type) + ", " + over
			}
			b.typeProblem(obj, name, "%s is defined over %s, whose unexported field %s this package cannot name; "+
				"declare %s as a struct type in this package, with the session values as its fields", name, over, f.Name(), name)
			return nil
		}
	}
	b.notePositions(spec, st)
	before := len(b.probs)
	keys := make(map[string]string) // key → field name
	for i := range st.NumFields() {
		f := st.Field(i)
		if why := invalid(f.Type()); why != "" {
			b.broken = true
			b.fieldProblem(f, "the field's type %s; fix the package's compile errors first", why)
			continue
		}
		rawTag := st.Tag(i)
		if msg := tagProblem(rawTag); msg != "" {
			b.fieldProblem(f, "%s", msg)
			continue
		}
		tag, tagged := reflect.StructTag(rawTag).Lookup("session")
		if tag == "-" {
			continue
		}
		if f.Embedded() {
			b.fieldProblem(f, "embedded fields are not flattened into the session; give the field a name (%s %s) or tag it session:\"-\"",
				f.Name(), b.typeString(f.Type()))
			continue
		}
		if !f.Exported() {
			if tagged {
				b.fieldProblem(f, "unexported fields are not session values, but this one has the tag session:%q; export the field or remove the tag", tag)
			}
			continue
		}
		field := Field{Name: f.Name(), Type: f.Type(), Pos: b.fieldPos(f)}
		key, opts, hasOpts := strings.Cut(tag, ",")
		if key == "" {
			key = snakeCase(f.Name())
		}
		field.Key = key
		bad := false
		if hasOpts {
			for _, o := range strings.Split(opts, ",") {
				switch o {
				case "flash":
					if field.Flash {
						b.fieldProblem(f, "the option flash appears more than once in tag session:%q; write it once, as in session:\"%s,flash\"", tag, key)
						bad = true
					}
					field.Flash = true
				case "":
					b.fieldProblem(f, "tag session:%q has an empty option; remove the extra comma (session:\"%s\" or session:\"%s,flash\")", tag, key, key)
					bad = true
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
	b.checkMethodNames(s)
	if len(s.Fields) == 0 && len(b.probs) == before {
		b.typeProblem(obj, name, "%s has no session fields, so the generated type would hold nothing; "+
			"add an exported field (unexported fields and fields tagged session:\"-\" are not session values), "+
			"or remove %s from -type", name, name)
	}
	return s
}

// notePositions records the position of each embedded field of st, the
// struct that spec declares: the start of the field, where the type
// checker's object sits at the embedded type's name.
func (b *builder) notePositions(spec *ast.TypeSpec, st *types.Struct) {
	if spec == nil {
		return
	}
	sst, ok := spec.Type.(*ast.StructType)
	if !ok {
		return
	}
	var starts []token.Pos
	for _, fd := range sst.Fields.List {
		if len(fd.Names) == 0 {
			starts = append(starts, fd.Pos())
			continue
		}
		for _, n := range fd.Names {
			starts = append(starts, n.Pos())
		}
	}
	if len(starts) != st.NumFields() {
		return
	}
	if b.posOf == nil {
		b.posOf = make(map[*types.Var]token.Position)
	}
	for i, p := range starts {
		if st.Field(i).Embedded() {
			b.posOf[st.Field(i)] = b.pos(p)
		}
	}
}

// tagProblem says what is wrong with a struct tag that mentions session
// but that reflect.StructTag cannot read as intended, or returns "".
func tagProblem(tag string) string {
	if !strings.Contains(tag, "session") {
		return ""
	}
	why, n := tagSyntax(tag)
	if why != "" {
		return fmt.Sprintf("struct tag %s is malformed (%s), so the session key in it would be ignored; "+
			"write key:\"value\" pairs separated by single spaces, as in session:\"key\"", strconv.Quote(tag), why)
	}
	if n > 1 {
		return fmt.Sprintf("struct tag %s has more than one session key; keep one", strconv.Quote(tag))
	}
	return ""
}

// tagSyntax checks tag as go vet's structtag check does: conventional
// key:"value" pairs separated by spaces. It returns what is wrong, or "",
// and how many session keys the tag has.
func tagSyntax(tag string) (why string, sessionKeys int) {
	for tag != "" {
		i := 0
		for i < len(tag) && tag[i] == ' ' {
			i++
		}
		tag = tag[i:]
		if tag == "" {
			break
		}
		i = 0
		for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' && tag[i] != 0x7f {
			i++
		}
		if i == 0 {
			return "a key is missing", 0
		}
		if i+1 >= len(tag) || tag[i] != ':' {
			return "a key is not followed by a colon and a value", 0
		}
		if tag[i+1] != '"' {
			return fmt.Sprintf("the value of %s does not start right after the colon with a double quote", tag[:i]), 0
		}
		key := tag[:i]
		if key == "session" {
			sessionKeys++
		}
		tag = tag[i+1:]
		i = 1
		for i < len(tag) && tag[i] != '"' {
			if tag[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(tag) {
			return fmt.Sprintf("the value of %s has no closing quote", key), 0
		}
		if _, err := strconv.Unquote(tag[:i+1]); err != nil {
			return fmt.Sprintf("the value of %s is not a valid quoted string", key), 0
		}
		tag = tag[i+1:]
		if tag != "" && tag[0] != ' ' {
			return "the key:\"value\" pairs are not separated by spaces", 0
		}
	}
	return "", sessionKeys
}

// declaredElsewhere looks for a type called name in the files of the
// package directory that were not loaded (test files, files excluded by
// build constraints) and says why sessgen cannot see it.
func (b *builder) declaredElsewhere(name string) (token.Position, string) {
	for _, path := range ignoredFiles(b.loaded) { // read only on this error path
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, sp := range gd.Specs {
				ts := sp.(*ast.TypeSpec)
				if ts.Name.Name != name {
					continue
				}
				pos := fset.Position(ts.Name.Pos())
				file := filepath.Base(path)
				if strings.HasSuffix(file, "_test.go") {
					return pos, fmt.Sprintf("%s is declared in the test file %s, and sessgen does not load test files; "+
						"move %s to a file that does not end in _test.go", name, file, name)
				}
				return pos, fmt.Sprintf("%s is declared in %s, which build constraints (a //go:build line or a GOOS/GOARCH suffix) "+
					"leave out of the package as sessgen loads it; move %s to a file the package always includes", name, file, name)
			}
		}
	}
	return token.Position{}, ""
}

// ignoredFiles returns the Go files of pkg's directory that the build left
// out: files excluded by build constraints, and test files.
func ignoredFiles(pkg *packages.Package) []string {
	var files []string
	for _, f := range pkg.IgnoredFiles {
		if strings.HasSuffix(f, ".go") {
			files = append(files, f)
		}
	}
	dir := packageDir(pkg)
	if entries, err := os.ReadDir(dir); err == nil {
		for _, e := range entries {
			if path := filepath.Join(dir, e.Name()); strings.HasSuffix(e.Name(), "_test.go") && !slices.Contains(files, path) {
				files = append(files, path)
			}
		}
	}
	return files
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
func (b *builder) checkMethodNames(s *Schema) {
	owner := make(map[string]string) // method → who generates it
	for _, m := range sessionMethods {
		owner[m] = "the session method " + m
	}
	kept := s.Fields[:0]
	for _, f := range s.Fields {
		var clash []string
		for _, m := range f.methods() {
			if o, ok := owner[m]; ok {
				clash = append(clash, fmt.Sprintf("the generated method %s would collide with %s", m, o))
			}
		}
		if len(clash) > 0 {
			b.probs = append(b.probs, Problem{Pos: f.Pos, Field: f.Name, Msg: fmt.Sprintf(
				"%s; rename the field (a session tag keeps the key: session:%q)",
				strings.Join(clash, ", and "), f.Key+flashOpt(f.Flash))})
			continue
		}
		kind := "field"
		if f.Flash {
			kind = "flash field"
		}
		for _, m := range f.methods() {
			owner[m] = "the one generated for " + kind + " " + f.Name
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
