package gen

import (
	"bytes"
	"fmt"
	"go/build/constraint"
	"go/types"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/dave/jennifer/jen"
)

const (
	runtimePath = "github.com/sessgen/sessgen/runtime"
	contextPath = "context"
)

// emit returns the gofmt'd source of the file declaring the accessors of
// schemas, declared in package pkg, after the //go:build line constraint
// when it is not "".
func emit(pkg *types.Package, schemas []*schema, constraint string) ([]byte, error) {
	e := &emitter{pkg: pkg, scope: pkg.Scope()}
	return e.render(schemas, constraint)
}

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

func (e *emitter) render(schemas []*schema, constraint string) ([]byte, error) {
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
func (e *emitter) file(schemas []*schema) *jen.File {
	f := jen.NewFilePathName(e.pkg.Path(), e.pkg.Name())
	f.HeaderComment(header)
	for i, s := range schemas {
		if i > 0 {
			f.Line()
		}
		e.schema(f, s)
	}
	f.Line()
	f.Comment(recordText(schemas))
	return f
}

func rt(name string) *jen.Statement { return jen.Qual(runtimePath, name) }

func (e *emitter) schema(f *jen.File, s *schema) {
	st, from, nw, n := s.sessionType(), s.fromFunc(), s.newFunc(), e.names
	doc := fmt.Sprintf("%s reads and writes the session values that %s declares, each under its own key with its own type. "+
		"A reader returns the zero value (and false, for Lookup and Pull) when its key is absent or holds a value that "+
		"no longer decodes as the field's type; such a value is reported once through the manager's logger.", st, s.Name)
	if slices.ContainsFunc(s.Fields, func(fd field) bool { return fd.Kind.integer() && !fd.Flash }) {
		doc += " Increment and Decrement count a missing value as 0 and return this request's view of the result; " +
			"the store applies each request's increments when it saves, so those of concurrent requests all count."
	}
	if slices.ContainsFunc(s.Fields, func(fd field) bool { return len(fd.Was) > 0 }) {
		doc += " The first access to a renamed field (was= in its tag) in a request, read, write or delete, " +
			"moves a value stored under an old key to the new key; the save then stores the new key and deletes the old."
	}
	doc += fmt.Sprintf(" %s is a small value wrapping a *runtime.Session: pass it by value. Get one with %s or %s.", st, from, nw)
	comment(f, doc)
	f.Type().Id(st).Struct(jen.Id("s").Op("*").Add(rt("Session")))

	f.Commentf("// %s returns the %s of ctx's request; it fails as runtime.From does.", from, st)
	f.Func().Id(from).Params(jen.Id(n.ctx).Qual(contextPath, "Context")).Params(jen.Id(st), jen.Error()).Block(
		jen.List(jen.Id(n.s), jen.Id(n.err)).Op(":=").Add(rt("From")).Call(jen.Id(n.ctx)),
		jen.If(jen.Id(n.err).Op("!=").Nil()).Block(jen.Return(jen.Id(st).Values(), jen.Id(n.err))),
		jen.Return(jen.Id(st).Values(jen.Dict{jen.Id("s"): jen.Id(n.s)}), jen.Nil()),
	)
	f.Commentf("// %s returns a %s over s, for code outside a request and for tests.", nw, st)
	f.Func().Id(nw).Params(jen.Id(n.s).Op("*").Add(rt("Session"))).Id(st).Block(
		jen.Return(jen.Id(st).Values(jen.Dict{jen.Id("s"): jen.Id(n.s)})),
	)

	for _, fd := range s.Fields {
		for _, a := range fd.accessors() {
			e.accessor(f, s, fd, a)
		}
	}
	for _, m := range sessionMethods {
		e.sessionMethod(f, s, m)
	}
	e.assertion(f, s)
}

// method starts a method of the session type of s, after its one-line
// doc comment.
func (e *emitter) method(f *jen.File, s *schema, doc string, args ...any) *jen.Statement {
	f.Comment(fmt.Sprintf(doc, args...))
	return f.Func().Params(jen.Id(e.names.recv).Id(s.sessionType()))
}

// self is the receiver's *runtime.Session.
func (e *emitter) self() *jen.Statement { return jen.Id(e.names.recv).Dot("s") }

func (e *emitter) codec(fd field) *jen.Statement {
	if fd.Kind == kindTime {
		return rt("Time").Values()
	}
	return rt(fd.Kind.codec()).Types(e.typ(fd.Type)).Values()
}

// accessor emits the accessor a of the field fd of s. The accessors of a
// renamed field first move the value of an old key to the new one.
func (e *emitter) accessor(f *jen.File, s *schema, fd field, a accessor) {
	n, q := fd.method(a), strconv.Quote(fd.Key)
	v, by, t := jen.Id(e.names.v), jen.Id(e.names.by), e.typ(fd.Type)
	call := func(fn string, args ...jen.Code) *jen.Statement { // fn(sess.s, key, args..., codec)
		return rt(fn).Call(append(append([]jen.Code{e.self(), jen.Lit(fd.Key)}, args...), e.codec(fd))...)
	}
	method := func(name string) *jen.Statement { return e.self().Dot(name).Call(jen.Lit(fd.Key)) } // sess.s.name(key)
	what, read := "session key "+q, "Lookup"
	if fd.Flash {
		what, read = "flash key "+q, "LookupFlash"
	}
	var doc string
	var sig *jen.Statement
	var body []jen.Code
	switch a {
	case get:
		doc, sig = fmt.Sprintf("%s returns the value of %s.", n, what), jen.Params().Add(t)
		body = []jen.Code{jen.List(v, jen.Id("_")).Op(":=").Add(call(read)), jen.Return(v)}
	case lookup:
		verb := "is present"
		if fd.Flash {
			verb = "is readable"
		}
		doc, sig = fmt.Sprintf("%s returns the value of %s and whether it %s.", n, what, verb), jen.Params().Params(t, jen.Bool())
		body = []jen.Code{jen.Return(call(read))}
	case has:
		sig = jen.Params().Bool()
		if fd.Flash {
			doc = fmt.Sprintf("%s reports whether %s is readable in this request.", n, what)
			body = []jen.Code{jen.List(jen.Id("_"), jen.Id(e.names.ok)).Op(":=").Add(method("Flashed")), jen.Return(jen.Id(e.names.ok))}
		} else {
			doc = fmt.Sprintf("%s reports whether %s holds a value.", n, what)
			body = []jen.Code{jen.Return(method("Has"))}
		}
	case set:
		doc, sig, body = fmt.Sprintf("%s stores v under %s.", n, what), jen.Params(jen.Id(e.names.v).Add(t)), []jen.Code{call("Store", v)}
	case del:
		sig = jen.Params()
		if fd.Flash {
			doc, body = fmt.Sprintf("%s removes %s from this request and the next.", n, what), []jen.Code{method("DeleteFlash")}
		} else {
			doc, body = fmt.Sprintf("%s removes %s.", n, what), []jen.Code{method("Delete")}
		}
	case pull:
		doc = fmt.Sprintf("%s removes %s and returns its value, as %s does.", n, what, fd.method(lookup))
		sig, body = jen.Params().Params(t, jen.Bool()), []jen.Code{jen.Return(call("Pull"))}
	case increment:
		doc = fmt.Sprintf("%s adds by to %s, returning this request's view of the sum.", n, what)
		sig, body = jen.Params(jen.Id(e.names.by).Add(t)).Add(e.typ(fd.Type)), []jen.Code{jen.Return(call("Add", by))}
	case decrement:
		doc = fmt.Sprintf("%s subtracts by from %s, returning this request's view of the result.", n, what)
		sig, body = jen.Params(jen.Id(e.names.by).Add(t)).Add(e.typ(fd.Type)), []jen.Code{jen.Return(call("Add", jen.Op("-").Add(by)))}
	case flash:
		doc = fmt.Sprintf("%s flashes v under %s, readable in this request and the next.", n, what)
		sig, body = jen.Params(jen.Id(e.names.v).Add(t)), []jen.Code{call("Flash", v)}
	case now:
		doc = fmt.Sprintf("%s stores v under %s for this request only.", n, what)
		sig, body = jen.Params(jen.Id(e.names.v).Add(t)), []jen.Code{call("Now", v)}
	case keep:
		doc = fmt.Sprintf("%s keeps %s readable during the next request too.", n, what)
		sig, body = jen.Params(), []jen.Code{method("Keep")}
	}
	if len(fd.Was) > 0 {
		rename := "Rename"
		if fd.Flash {
			rename = "RenameFlash"
		}
		args := []jen.Code{jen.Lit(fd.Key)}
		for _, old := range fd.Was {
			args = append(args, jen.Lit(old))
		}
		body = append([]jen.Code{e.self().Dot(rename).Call(args...)}, body...)
	}
	e.method(f, s, "%s", doc).Id(n).Add(sig).Block(body...)
}

// sessionMethod emits the method m of the session type of s.
func (e *emitter) sessionMethod(f *jen.File, s *schema, m sessionMethod) {
	switch m.name {
	case "All":
		// Keyed, one field a line, in declaration order (jen.Dict would sort).
		vals := jen.ValuesFunc(func(g *jen.Group) {
			for _, fd := range s.Fields {
				g.Line().Id(fd.Name).Op(":").Add(jen.Id(e.names.recv).Dot(fd.Name).Call())
			}
			if len(s.Fields) > 0 {
				g.Line()
			}
		})
		e.method(f, s, "All returns every current data and flash value as a %s, absent values zero, for templates.", s.Name).
			Id("All").Params().Id(s.Name).Block(jen.Return(jen.Id(s.Name).Add(vals)))
	case "Raw":
		e.method(f, s, "Raw returns the underlying *runtime.Session, for keys outside %s.", s.Name).
			Id("Raw").Params().Op("*").Add(rt("Session")).Block(jen.Return(e.self()))
	default:
		var params, args []jen.Code
		if m.param != "" {
			params, args = []jen.Code{jen.Id(m.param).String()}, []jen.Code{jen.Id(m.param)}
		}
		call := e.self().Dot(m.name).Call(args...)
		sig := e.method(f, s, "%s", m.doc).Id(m.name).Params(params...)
		if m.returns {
			sig.String().Block(jen.Return(call))
		} else {
			sig.Block(call)
		}
	}
}

// assertion emits a function that fails to compile when the schema struct
// no longer has exactly the fields, types and tags it was generated from:
// a value of the schema type is assignable to a struct type literal only
// when their fields, types and tags are identical. The value is a
// composite literal, so nothing is copied (go vet's copylocks accepts a
// schema holding a sync.Mutex).
func (e *emitter) assertion(f *jen.File, s *schema) {
	commentf(f, "This fails to compile when %s's fields, their types or their tags have changed since this "+
		"file was generated: run go generate.", s.Name)
	f.Func().Id("_").Params().Block(
		jen.Var().Id("_").Add(e.typ(s.Named.Underlying())).Op("=").Id(s.Name).Values(),
	)
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

// buildConstraint returns the //go:build line for the generated file: the
// conjunction of the constraints of the files declaring schemas (whose
// types the file uses), or "" when they have none.
func buildConstraint(schemas []*schema) string {
	var exprs []constraint.Expr
	seen := make(map[string]bool)
	for _, s := range schemas {
		if s.file == nil {
			continue
		}
		for _, c := range s.file.Comments {
			if c.Pos() > s.file.Package {
				break
			}
			for _, l := range c.List {
				if !constraint.IsGoBuild(l.Text) {
					continue
				}
				x, err := constraint.Parse(l.Text)
				if err != nil || seen[x.String()] {
					continue // the go command reports a malformed line
				}
				seen[x.String()] = true
				exprs = append(exprs, x)
			}
		}
	}
	if len(exprs) == 0 {
		return ""
	}
	x := exprs[0]
	for _, y := range exprs[1:] {
		x = &constraint.AndExpr{X: x, Y: y}
	}
	return "//go:build " + x.String()
}
