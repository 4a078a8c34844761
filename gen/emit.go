package gen

import (
	"bytes"
	"fmt"
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

const (
	runtimePath = "github.com/sessgen/sessgen/runtime"
	contextPath = "context"
)

// emitter renders the schemas of one package into one file.
type emitter struct {
	pkg     *types.Package
	scope   *types.Scope
	imports map[string]string // path → package name, of every import used
	names   names
	err     error
}

// names are the identifiers the generated code declares inside functions:
// receivers, parameters and locals. None may be a name of the package
// scope or an import, which they would shadow (a type called v would make
// "v v" a parameter that is not a type).
type names struct {
	recv, v, by, s, ctx, err, ok string
}

// render returns the gofmt'd source of the file declaring the accessors of
// schemas, after the //go:build line constraint when it is not "".
func (e *emitter) render(schemas []*Schema, constraint string) ([]byte, error) {
	// A first pass finds the imports the file needs; their names and the
	// package's decide the names of parameters and locals.
	e.imports = map[string]string{runtimePath: "runtime", contextPath: "context"}
	e.names = names{"sess", "v", "by", "s", "ctx", "err", "ok"}
	e.file(schemas)
	if e.err != nil {
		return nil, e.err
	}
	taken := make(map[string]bool)
	aliases := make(map[string]string)
	// Import under the package's own name, renamed if the package declares
	// that name itself (file and package scope must not overlap) or
	// another import has it.
	for _, path := range slices.Sorted(maps.Keys(e.imports)) {
		name := e.imports[path]
		alias := name
		for n := 0; e.scope.Lookup(alias) != nil || taken[alias]; n++ {
			alias = name + "pkg" + strings.Repeat("x", n)
		}
		taken[alias] = true
		aliases[path] = alias
	}
	free := func(base string) string {
		name := base
		for n := 2; e.scope.Lookup(name) != nil || taken[name]; n++ {
			name = base + strconv.Itoa(n)
		}
		taken[name] = true
		return name
	}
	e.names = names{free("sess"), free("v"), free("by"), free("s"), free("ctx"), free("err"), free("ok")}

	f := e.file(schemas)
	if constraint != "" {
		f.HeaderComment(constraint)
	}
	for path, alias := range aliases {
		if alias != e.imports[path] {
			f.ImportAlias(path, alias)
		} else {
			f.ImportName(path, alias)
		}
	}
	var buf bytes.Buffer
	if err := f.Render(&buf); err != nil {
		// jennifer's error quotes the whole unformatted source; keep only
		// what the formatter said.
		msg, _, _ := strings.Cut(err.Error(), " while formatting source")
		return nil, fmt.Errorf("gen: the code generated for package %s does not parse (%s); this is a bug in sessgen: please report it",
			e.pkg.Path(), strings.TrimPrefix(msg, "Error "))
	}
	return buf.Bytes(), nil
}

// file builds the file declaring the accessors of schemas.
func (e *emitter) file(schemas []*Schema) *jen.File {
	f := jen.NewFilePathName(e.pkg.Path(), e.pkg.Name())
	f.HeaderComment(Header)
	for i, s := range schemas {
		if i > 0 {
			f.Line()
		}
		e.schema(f, s)
	}
	return f
}

func rt(name string) *jen.Statement { return jen.Qual(runtimePath, name) }

func (e *emitter) schema(f *jen.File, s *Schema) {
	st, from, nw := s.sessionType(), s.fromFunc(), s.newFunc()
	commentf(f, "%s reads and writes the session values that %s declares, each under its own key, with its own type. "+
		"It is a small value wrapping a *runtime.Session: pass it by value. Get one with %s or %s.", st, s.Name, from, nw)
	f.Type().Id(st).Struct(jen.Id("s").Op("*").Add(rt("Session")))

	commentf(f, "%s returns the %s of the request whose context ctx is. Like runtime.From, it fails when the "+
		"request did not pass through the session middleware or the session could not be loaded.", from, st)
	n := e.names
	f.Func().Id(from).Params(jen.Id(n.ctx).Qual(contextPath, "Context")).Params(jen.Id(st), jen.Error()).Block(
		jen.List(jen.Id(n.s), jen.Id(n.err)).Op(":=").Add(rt("From")).Call(jen.Id(n.ctx)),
		jen.If(jen.Id(n.err).Op("!=").Nil()).Block(jen.Return(jen.Id(st).Values(), jen.Id(n.err))),
		jen.Return(jen.Id(st).Values(jen.Dict{jen.Id("s"): jen.Id(n.s)}), jen.Nil()),
	)

	commentf(f, "%s returns a %s over s, for code outside an HTTP request and for tests (see runtime.NewSession).", nw, st)
	f.Func().Id(nw).Params(jen.Id(n.s).Op("*").Add(rt("Session"))).Id(st).Block(
		jen.Return(jen.Id(st).Values(jen.Dict{jen.Id("s"): jen.Id(n.s)})),
	)

	for _, fd := range s.Fields {
		if fd.Flash {
			e.flashField(f, s, fd)
		} else {
			e.dataField(f, s, fd)
		}
	}
	e.whole(f, s)
	e.assertion(f, s)
}

// method starts a method of the session type of s.
func (e *emitter) method(f *jen.File, s *Schema, doc string, args ...any) *jen.Statement {
	commentf(f, doc, args...)
	return f.Func().Params(jen.Id(e.names.recv).Id(s.sessionType()))
}

// self is the receiver's *runtime.Session.
func (e *emitter) self() *jen.Statement { return jen.Id(e.names.recv).Dot("s") }

func (e *emitter) codec(fd Field) *jen.Statement {
	if fd.Kind == KindTime {
		return rt("Time").Values()
	}
	return rt(fd.Kind.codec()).Types(e.typ(fd.Type)).Values()
}

func (e *emitter) dataField(f *jen.File, s *Schema, fd Field) {
	n, key, t := fd.Name, jen.Lit(fd.Key), e.typ(fd.Type)
	ts := types.TypeString(fd.Type, relativeTo(e.pkg))
	e.method(f, s, "%s returns the value of session key %q, or the zero value when it is absent or no longer decodes as %s.", n, fd.Key, ts).
		Id(n).Params().Add(t).Block(
		jen.List(jen.Id(e.names.v), jen.Id("_")).Op(":=").Add(rt("Lookup")).Call(e.self(), key, e.codec(fd)),
		jen.Return(jen.Id(e.names.v)),
	)
	e.method(f, s, "Lookup%s returns the value of session key %q and whether it is present. A stored value that no longer "+
		"decodes as %s reads as absent and is reported once through the manager's logger.", n, fd.Key, ts).
		Id("Lookup"+n).Params().Params(t, jen.Bool()).Block(
		jen.Return(rt("Lookup").Call(e.self(), key, e.codec(fd))),
	)
	e.method(f, s, "Has%s reports whether session key %q holds a value.", n, fd.Key).
		Id("Has" + n).Params().Bool().Block(jen.Return(e.self().Dot("Has").Call(key)))
	e.method(f, s, "Set%s stores v under session key %q.", n, fd.Key).
		Id("Set" + n).Params(jen.Id(e.names.v).Add(t)).Block(rt("Store").Call(e.self(), key, jen.Id(e.names.v), e.codec(fd)))
	e.method(f, s, "Delete%s removes session key %q.", n, fd.Key).
		Id("Delete" + n).Params().Block(e.self().Dot("Delete").Call(key))
	e.method(f, s, "Pull%s returns the value of session key %q, as Lookup%s does, and removes the key.", n, fd.Key, n).
		Id("Pull"+n).Params().Params(t, jen.Bool()).Block(
		jen.Return(rt("Pull").Call(e.self(), key, e.codec(fd))),
	)
	if !fd.Kind.integer() {
		return
	}
	e.method(f, s, "Increment%s adds by to the value of session key %q and returns the sum; a missing value counts as 0.", n, fd.Key).
		Id("Increment" + n).Params(jen.Id(e.names.by).Add(t)).Add(t).Block(
		jen.Return(rt("Add").Call(e.self(), key, jen.Id(e.names.by), e.codec(fd))),
	)
	e.method(f, s, "Decrement%s subtracts by from the value of session key %q and returns the difference; a missing value counts as 0.", n, fd.Key).
		Id("Decrement" + n).Params(jen.Id(e.names.by).Add(t)).Add(t).Block(
		jen.Return(rt("Add").Call(e.self(), key, jen.Op("-").Id(e.names.by), e.codec(fd))),
	)
}

func (e *emitter) flashField(f *jen.File, s *Schema, fd Field) {
	n, key, t := fd.Name, jen.Lit(fd.Key), e.typ(fd.Type)
	ts := types.TypeString(fd.Type, relativeTo(e.pkg))
	e.method(f, s, "Flash%s flashes v under flash key %q: readable for the rest of this request and during the next one.", n, fd.Key).
		Id("Flash" + n).Params(jen.Id(e.names.v).Add(t)).Block(rt("Flash").Call(e.self(), key, jen.Id(e.names.v), e.codec(fd)))
	e.method(f, s, "Now%s stores v under flash key %q for this request only.", n, fd.Key).
		Id("Now" + n).Params(jen.Id(e.names.v).Add(t)).Block(rt("Now").Call(e.self(), key, jen.Id(e.names.v), e.codec(fd)))
	e.method(f, s, "%s returns the value of flash key %q, or the zero value when it is absent or no longer decodes as %s.", n, fd.Key, ts).
		Id(n).Params().Add(t).Block(
		jen.List(jen.Id(e.names.v), jen.Id("_")).Op(":=").Add(rt("LookupFlash")).Call(e.self(), key, e.codec(fd)),
		jen.Return(jen.Id(e.names.v)),
	)
	e.method(f, s, "Lookup%s returns the value of flash key %q and whether it is readable. A stored value that no longer "+
		"decodes as %s reads as absent and is reported once through the manager's logger.", n, fd.Key, ts).
		Id("Lookup"+n).Params().Params(t, jen.Bool()).Block(
		jen.Return(rt("LookupFlash").Call(e.self(), key, e.codec(fd))),
	)
	e.method(f, s, "Has%s reports whether flash key %q is readable in this request.", n, fd.Key).
		Id("Has"+n).Params().Bool().Block(
		jen.List(jen.Id("_"), jen.Id(e.names.ok)).Op(":=").Add(e.self().Dot("Flashed").Call(key)),
		jen.Return(jen.Id(e.names.ok)),
	)
	e.method(f, s, "Keep%s keeps flash key %q readable during the next request too.", n, fd.Key).
		Id("Keep" + n).Params().Block(e.self().Dot("Keep").Call(key))
	e.method(f, s, "Delete%s removes flash key %q from this request and the next.", n, fd.Key).
		Id("Delete" + n).Params().Block(e.self().Dot("DeleteFlash").Call(key))
}

func (e *emitter) whole(f *jen.File, s *Schema) {
	// Keyed, one field a line, in declaration order (jen.Dict would sort).
	vals := jen.ValuesFunc(func(g *jen.Group) {
		for _, fd := range s.Fields {
			g.Line().Id(fd.Name).Op(":").Add(jen.Id(e.names.recv).Dot(fd.Name).Call())
		}
		if len(s.Fields) > 0 {
			g.Line()
		}
	})
	e.method(f, s, "All returns a %s holding every current data and flash value of the session; absent values are zero. "+
		"Handy for templates.", s.Name).
		Id("All").Params().Id(s.Name).Block(jen.Return(jen.Id(s.Name).Add(vals)))
	e.method(f, s, "ID returns the session's ID, making one if the session has none yet.").
		Id("ID").Params().String().Block(jen.Return(e.self().Dot("ID").Call()))
	e.method(f, s, "Reset removes every data and flash value; the session keeps its ID.").
		Id("Reset").Params().Block(e.self().Dot("Reset").Call())
	e.method(f, s, "Regenerate gives the session a new ID and keeps its values. Call it when a user logs in, against session fixation.").
		Id("Regenerate").Params().Block(e.self().Dot("Regenerate").Call())
	e.method(f, s, "Invalidate removes every value and gives the session a new ID. Call it when a user logs out.").
		Id("Invalidate").Params().Block(e.self().Dot("Invalidate").Call())
	e.method(f, s, "Reflash keeps every readable flash value for the next request.").
		Id("Reflash").Params().Block(e.self().Dot("Reflash").Call())
	e.method(f, s, "Raw returns the underlying *runtime.Session, for keys outside %s.", s.Name).
		Id("Raw").Params().Op("*").Add(rt("Session")).Block(jen.Return(e.self()))
}

// assertion emits a function that fails to compile when the schema struct
// no longer has exactly the fields, types and tags it was generated from:
// a value of the schema type is assignable to a struct type literal only
// when their fields, types and tags are identical. The value is a
// composite literal, so nothing is copied (go vet's copylocks accepts a
// schema holding a sync.Mutex).
func (e *emitter) assertion(f *jen.File, s *Schema) {
	commentf(f, "This fails to compile when %s's fields, their types or their tags have changed since this "+
		"file was generated: run go generate.", s.Name)
	f.Func().Id("_").Params().Block(
		jen.Var().Id("_").Add(e.typ(s.Named.Underlying())).Op("=").Id(s.Name).Values(),
	)
}

// typ renders t as it is spelled in Go source, qualified for the
// generated file.
func (e *emitter) typ(t types.Type) *jen.Statement {
	switch t := t.(type) {
	case *types.Basic:
		if t.Kind() == types.Invalid {
			break
		}
		if t.Kind() == types.UnsafePointer {
			return e.qual("unsafe", "unsafe", "Pointer")
		}
		return jen.Id(t.Name())
	case *types.Named:
		return e.named(t.Obj(), t.TypeArgs())
	case *types.Alias:
		return e.named(t.Obj(), t.TypeArgs())
	case *types.Pointer:
		return jen.Op("*").Add(e.typ(t.Elem()))
	case *types.Slice:
		return jen.Index().Add(e.typ(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Id(strconv.FormatInt(t.Len(), 10))).Add(e.typ(t.Elem()))
	case *types.Map:
		return jen.Map(e.typ(t.Key())).Add(e.typ(t.Elem()))
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(e.typ(t.Elem()))
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(e.typ(t.Elem()))
		}
		// chan <-chan T would read as chan<- chan T.
		if el, ok := t.Elem().(*types.Chan); ok && el.Dir() == types.RecvOnly {
			return jen.Chan().Parens(e.typ(el))
		}
		return jen.Chan().Add(e.typ(t.Elem()))
	case *types.Signature:
		return jen.Func().Add(e.signature(t))
	case *types.Struct:
		fields := make([]jen.Code, t.NumFields())
		for i := range t.NumFields() {
			fv := t.Field(i)
			var fc *jen.Statement
			if fv.Embedded() {
				fc = e.typ(fv.Type())
			} else {
				fc = jen.Id(fv.Name()).Add(e.typ(fv.Type()))
			}
			if tag := t.Tag(i); tag != "" {
				fc.Op(tagLiteral(tag))
			}
			fields[i] = fc
		}
		return jen.Struct(fields...)
	case *types.Interface:
		var items []jen.Code
		for i := range t.NumEmbeddeds() {
			items = append(items, e.typ(t.EmbeddedType(i)))
		}
		for i := range t.NumExplicitMethods() {
			m := t.ExplicitMethod(i)
			items = append(items, jen.Id(m.Name()).Add(e.signature(m.Type().(*types.Signature))))
		}
		return jen.Interface(items...)
	case *types.Union:
		var terms []jen.Code
		for i := range t.Len() {
			term := t.Term(i)
			c := e.typ(term.Type())
			if term.Tilde() {
				c = jen.Op("~").Add(c)
			}
			terms = append(terms, c)
		}
		return jen.Union(terms...)
	}
	if e.err == nil {
		e.err = fmt.Errorf("gen: cannot spell type %s (%T)", t, t)
	}
	return jen.Id("_")
}

func (e *emitter) named(obj *types.TypeName, args *types.TypeList) *jen.Statement {
	var s *jen.Statement
	if obj.Pkg() == nil || obj.Pkg() == e.pkg {
		s = jen.Id(obj.Name())
	} else {
		s = e.qual(obj.Pkg().Path(), obj.Pkg().Name(), obj.Name())
	}
	if args.Len() > 0 {
		ts := make([]jen.Code, args.Len())
		for i := range args.Len() {
			ts[i] = e.typ(args.At(i))
		}
		s.Types(ts...)
	}
	return s
}

func (e *emitter) qual(path, name, id string) *jen.Statement {
	e.imports[path] = name
	return jen.Qual(path, id)
}

func (e *emitter) signature(sig *types.Signature) *jen.Statement {
	tuple := func(tp *types.Tuple, variadic bool) []jen.Code {
		cs := make([]jen.Code, tp.Len())
		for i := range tp.Len() {
			t := tp.At(i).Type()
			if variadic && i == tp.Len()-1 {
				cs[i] = jen.Op("...").Add(e.typ(t.(*types.Slice).Elem()))
			} else {
				cs[i] = e.typ(t)
			}
		}
		return cs
	}
	s := jen.Params(tuple(sig.Params(), sig.Variadic())...)
	if res := sig.Results(); res.Len() == 1 {
		s.Add(e.typ(res.At(0).Type()))
	} else if res.Len() > 1 {
		s.Params(tuple(res, false)...)
	}
	return s
}

// tagLiteral spells a struct tag as a raw string when it can be one and
// reads well as one (valid UTF-8, no backquote, no control character but
// tab), and as an interpreted string literal otherwise.
func tagLiteral(tag string) string {
	if !utf8.ValidString(tag) || strings.ContainsFunc(tag, func(r rune) bool {
		return r == '`' || r == '\uFEFF' || r != '\t' && (unicode.IsControl(r) || r == utf8.RuneError)
	}) {
		return strconv.Quote(tag)
	}
	return "`" + tag + "`"
}

// commentWidth is where generated comments wrap.
const commentWidth = 80

func commentf(f *jen.File, format string, args ...any) { comment(f, fmt.Sprintf(format, args...)) }

// comment adds a // comment to f, word-wrapped.
func comment(f *jen.File, text string) {
	var b strings.Builder
	n := 0
	for _, w := range strings.Fields(text) {
		switch {
		case n == 0:
			b.WriteString("// ")
			n = 3
		case n+1+len(w) > commentWidth:
			b.WriteString("\n// ")
			n = 3
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	f.Comment(b.String())
}
