package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// build builds the model of each type named (in order, repeats dropped)
// from the loaded package, or returns a [Problems] with every problem
// found: a type that is not a usable schema, a field that cannot be a
// session value, a generated name that would collide.
func build(pkg *packages.Package, t *target, names []string) ([]*schema, error) {
	b := &builder{pkg: pkg, t: t}
	var schemas []*schema
	seen := make(map[string]bool)
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		if s := b.schema(name); s != nil {
			schemas = append(schemas, s)
		}
	}
	if b.broken {
		// A schema depends on a type that does not compile: what the
		// compiler says is the problem, not what sessgen would make of it.
		ps := compilerProblems(pkg, schemas)
		ps.sort()
		return nil, ps
	}
	b.checkTopLevel(schemas)
	if len(b.probs) > 0 {
		b.probs.sort()
		return nil, b.probs
	}
	return schemas, nil
}

// builder builds schemas from type-checked code, collecting problems.
type builder struct {
	pkg    *packages.Package
	t      *target
	probs  Problems
	broken bool                          // a schema depends on a type that does not compile
	posOf  map[*types.Var]token.Position // positions of fields, where the object's own is not the field's
}

func (b *builder) pos(p token.Pos) token.Position { return b.pkg.Fset.Position(p) }

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

func (b *builder) typeString(t types.Type) string {
	return types.TypeString(t, relativeTo(b.pkg.Types))
}

// schema builds the model of the type called name, or returns nil after
// recording why it cannot.
func (b *builder) schema(name string) *schema {
	obj := b.pkg.Types.Scope().Lookup(name)
	if obj == nil {
		if pos, msg := b.declaredElsewhere(name); msg != "" {
			b.probs = append(b.probs, Problem{Pos: pos, Type: name, Msg: msg})
			return nil
		}
		b.probs = append(b.probs, Problem{Pos: b.t.origin, Type: name,
			Msg: fmt.Sprintf("no such type in package %s; -type takes the names of struct types declared in the package", b.pkg.Types.Name())})
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
	s := &schema{Name: name, Named: named, Pos: b.pos(obj.Pos()), file: file}
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
		if f := st.Field(i); !f.Exported() && f.Pkg() != b.pkg.Types {
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
		if fd, ok := b.field(st.Field(i), st.Tag(i), keys); ok {
			s.Fields = append(s.Fields, fd)
		}
	}
	b.checkMethodNames(s)
	if len(s.Fields) == 0 && len(b.probs) == before {
		b.typeProblem(obj, name, "%s has no session fields, so the generated type would hold nothing; "+
			"add an exported field (unexported fields and fields tagged session:\"-\" are not session values), "+
			"or remove %s from -type", name, name)
	}
	return s
}

// field builds the model of the struct field f with struct tag structTag,
// or reports false: the field is not a session value, or it has problems,
// which it records. keys maps the keys of the fields before it to their
// names.
func (b *builder) field(f *types.Var, structTag string, keys map[string]string) (field, bool) {
	if why := invalid(f.Type()); why != "" {
		b.broken = true
		b.fieldProblem(f, "the field's type %s; fix the package's compile errors first", why)
		return field{}, false
	}
	tag := parseTag(structTag, f.Name())
	switch {
	case tag.malformed != "":
		b.fieldProblem(f, "%s", tag.malformed)
		return field{}, false
	case tag.skip:
		return field{}, false
	case f.Embedded():
		b.fieldProblem(f, "embedded fields are not flattened into the session; give the field a name (%s %s) or tag it session:\"-\"",
			f.Name(), b.typeString(f.Type()))
		return field{}, false
	case !f.Exported():
		if tag.tagged {
			b.fieldProblem(f, "unexported fields are not session values, but this one has the tag session:%q; export the field or remove the tag", tag.value)
		}
		return field{}, false
	}
	for _, msg := range tag.probs {
		b.fieldProblem(f, "%s", msg)
	}
	bad := len(tag.probs) > 0
	if msg := keyProblem(tag.key); msg != "" {
		b.fieldProblem(f, "%s", msg)
		bad = true
	} else if other, dup := keys[tag.key]; dup {
		b.fieldProblem(f, "session key %q is already used by field %s; give one of them another key with a session tag", tag.key, other)
		bad = true
	} else {
		keys[tag.key] = f.Name()
	}
	for _, old := range tag.was { // old keys are moved and deleted: no other field may use them
		if other, dup := keys[old]; dup {
			b.fieldProblem(f, "old key %q (was=) is already used by field %s; an old key must belong to this field alone", old, other)
			bad = true
		} else {
			keys[old] = f.Name() + " (was=)"
		}
	}
	if msg := unsupported(b.pkg.Types, f.Type()); msg != "" {
		b.fieldProblem(f, "%s", msg)
		bad = true
	}
	if bad {
		return field{}, false
	}
	return field{Name: f.Name(), Key: tag.key, Was: tag.was, Flash: tag.flash, Type: f.Type(), Kind: kindOf(f.Type()),
		Shape: fieldShape(f.Type()), Pos: b.fieldPos(f)}, true
}

// typeSpec returns the declaration of tn and its file, or nils.
func (b *builder) typeSpec(tn *types.TypeName) (*ast.TypeSpec, *ast.File) {
	for _, f := range b.pkg.Syntax {
		if f.FileStart > tn.Pos() || tn.Pos() > f.FileEnd {
			continue
		}
		for ts := range typeSpecs(f) {
			if ts.Name.Pos() == tn.Pos() {
				return ts, f
			}
		}
	}
	return nil, nil
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

// declaredElsewhere looks for a type called name in the files of the
// package directory that were not loaded (test files, files excluded by
// build constraints) and says why sessgen cannot see it.
func (b *builder) declaredElsewhere(name string) (token.Position, string) {
	for _, path := range b.ignoredFiles() { // read only on this error path
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for ts := range typeSpecs(f) {
			if ts.Name.Name == name {
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

// ignoredFiles returns the Go files of the package directory that the
// build left out: files excluded by build constraints, and test files.
func (b *builder) ignoredFiles() []string {
	var files []string
	for _, f := range b.pkg.IgnoredFiles {
		if strings.HasSuffix(f, ".go") {
			files = append(files, f)
		}
	}
	if entries, err := os.ReadDir(b.t.dir); err == nil {
		for _, e := range entries {
			if path := filepath.Join(b.t.dir, e.Name()); strings.HasSuffix(e.Name(), "_test.go") && !slices.Contains(files, path) {
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

// compilerProblems returns the package's type errors that lie within the
// declarations of schemas, or all of them when none does.
func compilerProblems(pkg *packages.Package, schemas []*schema) Problems {
	var all Problems
	for _, e := range pkg.Errors {
		all = append(all, packageProblem(e))
	}
	var in Problems
	for _, p := range all {
		for _, s := range schemas {
			if p.Pos.Filename == s.Pos.Filename && p.Pos.Line >= s.Pos.Line && p.Pos.Line <= s.EndLine {
				in = append(in, p)
				break
			}
		}
	}
	if len(in) > 0 {
		return in
	}
	return all
}

// typeSpecs yields the type declarations of f.
func typeSpecs(f *ast.File) iter.Seq[*ast.TypeSpec] {
	return func(yield func(*ast.TypeSpec) bool) {
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
				for _, sp := range gd.Specs {
					if !yield(sp.(*ast.TypeSpec)) {
						return
					}
				}
			}
		}
	}
}
