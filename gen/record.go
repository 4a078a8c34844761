package gen

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// The record is what a generated file says about the schemas it was
// generated from, for the next run's check of schema changes and for
// `sessgen -check ./...`: each schema's name, in -type order, then one line
// per session key with its kind (data or flash) and the shape of its
// encoding. It ends the file:
//
//	//sessgen:schema Cart
//	//sessgen:data cart_id int64
//	//sessgen:data items []{SKU string; Quantity int}
//	//sessgen:flash notice string

const recordPrefix = "//sessgen:"

// recordText returns the comment that records schemas.
func recordText(schemas []*schema) string {
	var b strings.Builder
	b.WriteString("// What each key held when this file was generated, for the next run's check\n" +
		"// that stored sessions can still read their values.\n//\n")
	for i, s := range schemas {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(recordPrefix + "schema " + s.Name)
		for _, f := range s.Fields {
			kind := "data"
			if f.Flash {
				kind = "flash"
			}
			fmt.Fprintf(&b, "\n%s%s %s %s", recordPrefix, kind, f.Key, f.Shape)
		}
	}
	return b.String()
}

// A record is the schemas recorded in a generated file.
type record struct {
	schemas []string // the schema types, in -type order
	entries []recorded
}

// recorded is one key of a recorded schema.
type recorded struct {
	schema, key string
	flash       bool
	shape       *shape
	line        int // in the generated file
}

// parseRecord reads the record at the end of a generated file. A file
// without one has a record without schemas.
func parseRecord(src []byte) (record, error) {
	var r record
	sc := bufio.NewScanner(bytes.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line, ok := strings.CutPrefix(sc.Text(), recordPrefix)
		if !ok {
			continue
		}
		word, rest, _ := strings.Cut(line, " ")
		switch word {
		case "schema":
			r.schemas = append(r.schemas, rest)
			continue
		case "data", "flash":
			if len(r.schemas) == 0 {
				break
			}
			key, text, _ := strings.Cut(rest, " ")
			s, err := parseShape(text)
			if err != nil {
				return record{}, fmt.Errorf("line %d: %w", n, err)
			}
			r.entries = append(r.entries, recorded{r.schemas[len(r.schemas)-1], key, word == "flash", s, n})
			continue
		}
		return record{}, fmt.Errorf("line %d: %q is not a schema record line", n, sc.Text())
	}
	return r, sc.Err()
}

// basicShapes are the names of basic shapes.
var basicShapes = map[string]bool{"bool": true, "int": true, "int8": true, "int16": true, "int32": true, "int64": true,
	"uint": true, "uint8": true, "uint16": true, "uint32": true, "uint64": true, "uintptr": true,
	"float32": true, "float64": true, "string": true, "bytes": true, "time": true}

// parseShape parses what [shape.String] writes.
func parseShape(text string) (*shape, error) {
	p := &shapeParser{text: text, labels: make(map[int]*shape)}
	s := p.shape()
	if p.err == nil && p.i < len(p.text) {
		p.fail("unexpected %q", p.text[p.i:])
	}
	for _, r := range p.refs {
		if r.target = p.labels[r.label]; r.target == nil && p.err == nil {
			p.fail("@%d refers to no enclosing shape", r.label)
		}
		r.label = 0
	}
	if p.err != nil {
		return nil, fmt.Errorf("shape %q: %w", text, p.err)
	}
	return s, nil
}

type shapeParser struct {
	text   string
	i      int
	err    error
	labels map[int]*shape
	refs   []*shape // refs, with the label they name in label until resolved
}

func (p *shapeParser) fail(format string, args ...any) {
	if p.err == nil {
		p.err = fmt.Errorf(format, args...)
	}
	p.i = len(p.text)
}

func (p *shapeParser) eat(s string) bool {
	if strings.HasPrefix(p.text[p.i:], s) {
		p.i += len(s)
		return true
	}
	return false
}

func (p *shapeParser) number() int64 {
	j := p.i
	for j < len(p.text) && p.text[j] >= '0' && p.text[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(p.text[p.i:j], 10, 64)
	if err != nil {
		p.fail("bad number at %q", p.text[p.i:])
	}
	p.i = j
	return n
}

func (p *shapeParser) ident() string {
	j := p.i
	for j < len(p.text) && isIdent(p.text[p.i:j+1]) {
		j++
	}
	id := p.text[p.i:j]
	p.i = j
	return id
}

func (p *shapeParser) shape() *shape {
	if p.i < len(p.text) && p.text[p.i] >= '0' && p.text[p.i] <= '9' {
		n := int(p.number())
		if !p.eat("@") || n <= 0 || p.labels[n] != nil {
			p.fail("bad label %d", n)
			return nil
		}
		s := new(shape)
		s.label, p.labels[n] = n, s
		p.body(s)
		return s
	}
	s := new(shape)
	p.body(s)
	return s
}

func (p *shapeParser) body(s *shape) {
	switch {
	case p.eat("@"):
		s.op, s.label = ref, int(p.number())
		p.refs = append(p.refs, s)
	case p.eat("opaque("):
		depth, j := 1, p.i
		for ; j < len(p.text) && depth > 0; j++ {
			switch p.text[j] {
			case '(':
				depth++
			case ')':
				depth--
			}
		}
		if depth > 0 {
			p.fail("opaque( without )")
			return
		}
		s.op, s.name, p.i = opaque, p.text[p.i:j-1], j
	case p.eat("*"):
		s.op, s.elem = pointer, p.shape()
	case p.eat("[]"):
		s.op, s.elem = slice, p.shape()
	case p.eat("["):
		s.len = p.number()
		if !p.eat("]") {
			p.fail("[%d without ]", s.len)
			return
		}
		if p.eat("byte") {
			s.op = byteArray
			return
		}
		s.op, s.elem = array, p.shape()
	case p.eat("map["):
		s.op, s.key = mapOf, p.shape()
		if !p.eat("]") {
			p.fail("map key without ]")
			return
		}
		s.elem = p.shape()
	case p.eat("{"):
		s.op = strukt
		for !p.eat("}") {
			if len(s.fields) > 0 && !p.eat("; ") {
				p.fail("fields not separated by \"; \" at %q", p.text[p.i:])
				return
			}
			name := p.ident()
			if name == "" {
				q, err := strconv.QuotedPrefix(p.text[p.i:])
				if err != nil {
					p.fail("bad field name at %q", p.text[p.i:])
					return
				}
				p.i += len(q)
				name, _ = strconv.Unquote(q)
			}
			if !p.eat(" ") {
				p.fail("field %s without a shape", name)
				return
			}
			s.fields = append(s.fields, shapeField{name, p.shape()})
		}
	default:
		name := p.ident()
		if !basicShapes[name] {
			p.fail("unknown shape at %q", p.text[p.i-len(name):])
			return
		}
		s.op, s.name = basic, name
	}
}
