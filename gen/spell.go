package gen

import (
	"fmt"
	"go/types"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dave/jennifer/jen"
)

// Part of the emit stage: Go types spelled as the generated file spells
// them, imports recorded.

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
