package gen

import (
	"fmt"
	"go/token"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The names sessgen generates for a schema, defined once: the emitter
// declares them and the schema stage checks that none collides.

// Names of the generated top-level declarations of a schema.
func (s *schema) sessionType() string { return s.Name + "Session" }
func (s *schema) fromFunc() string    { return s.Name + "SessionFrom" }
func (s *schema) newFunc() string {
	if token.IsExported(s.Name) {
		return "New" + s.Name + "Session"
	}
	r, size := utf8.DecodeRuneInString(s.Name)
	return "new" + string(unicode.ToUpper(r)) + s.Name[size:] + "Session"
}

// topLevel returns the package-level names generated for s.
func (s *schema) topLevel() []string { return []string{s.sessionType(), s.fromFunc(), s.newFunc()} }

// A sessionMethod is a generated method that belongs to no field. All but
// All and Raw forward to the *runtime.Session method of the same name,
// with one string parameter called param when param is not "", and a
// string result when returns is set.
type sessionMethod struct {
	name    string
	param   string
	returns bool
	doc     string
}

// sessionMethods are the generated methods that belong to no field, in the
// order they are emitted. The collision check and the emitter both read
// this list.
var sessionMethods = []sessionMethod{
	{name: "All"},
	{name: "ID", returns: true, doc: "ID returns the session's ID, making one if the session has none yet."},
	{name: "Reset", doc: "Reset removes every data and flash value; the session keeps its ID."},
	{name: "Regenerate", doc: "Regenerate gives the session a new ID and keeps its values: call it at login."},
	{name: "SetOwner", param: "owner", doc: "SetOwner binds the session to an account (\"\" for none): call it at login, with Regenerate."},
	{name: "Owner", returns: true, doc: "Owner returns the account the session is bound to, or \"\"."},
	{name: "Invalidate", doc: "Invalidate removes every value and gives the session a new ID: call it at logout."},
	{name: "Reflash", doc: "Reflash keeps every readable flash value for the next request."},
	{name: "Raw"},
}

// An accessor is one of the methods generated for a field.
type accessor int

const (
	get       accessor = iota // F: the value, or the zero value
	lookup                    // LookupF: the value and whether it is present
	has                       // HasF
	set                       // SetF (data)
	del                       // DeleteF
	pull                      // PullF (data)
	increment                 // IncrementF (integer data)
	decrement                 // DecrementF (integer data)
	flash                     // FlashF (flash)
	now                       // NowF (flash)
	keep                      // KeepF (flash)
)

var accessorPrefix = [...]string{get: "", lookup: "Lookup", has: "Has", set: "Set", del: "Delete", pull: "Pull",
	increment: "Increment", decrement: "Decrement", flash: "Flash", now: "Now", keep: "Keep"}

// accessors returns the accessors generated for f, in the order they are
// emitted. The collision check and the emitter both read it.
func (f *field) accessors() []accessor {
	if f.Flash {
		return []accessor{flash, now, get, lookup, has, keep, del}
	}
	as := []accessor{get, lookup, has, set, del, pull}
	if f.Kind.integer() {
		as = append(as, increment, decrement)
	}
	return as
}

// method returns the name of f's accessor a.
func (f *field) method(a accessor) string { return accessorPrefix[a] + f.Name }

// checkMethodNames reports, and drops, fields whose generated methods
// would collide with another generated method.
func (b *builder) checkMethodNames(s *schema) {
	owner := make(map[string]string) // method → who generates it
	for _, m := range sessionMethods {
		owner[m.name] = "the session method " + m.name
	}
	kept := s.Fields[:0]
	for _, f := range s.Fields {
		var clash []string
		for _, a := range f.accessors() {
			if o, ok := owner[f.method(a)]; ok {
				clash = append(clash, fmt.Sprintf("the generated method %s would collide with %s", f.method(a), o))
			}
		}
		if len(clash) > 0 {
			opt := ""
			if f.Flash {
				opt = ",flash"
			}
			for _, old := range f.Was {
				opt += ",was=" + old
			}
			b.probs = append(b.probs, Problem{Pos: f.Pos, Field: f.Name, Msg: fmt.Sprintf(
				"%s; rename the field (a session tag keeps the key: session:%q)", strings.Join(clash, ", and "), f.Key+opt)})
			continue
		}
		kind := "field"
		if f.Flash {
			kind = "flash field"
		}
		for _, a := range f.accessors() {
			owner[f.method(a)] = "the one generated for " + kind + " " + f.Name
		}
		kept = append(kept, f)
	}
	s.Fields = kept
}

// checkTopLevel reports generated top-level names that the package already
// declares or that two schemas would both generate.
func (b *builder) checkTopLevel(schemas []*schema) {
	owner := make(map[string]string)
	for _, s := range schemas {
		for _, name := range s.topLevel() {
			if obj := b.pkg.Types.Scope().Lookup(name); obj != nil {
				b.probs = append(b.probs, Problem{Pos: s.Pos, Type: s.Name, Msg: fmt.Sprintf(
					"sessgen generates %s, but the package already declares it at %s; rename that declaration",
					name, filepath.Base(b.pos(obj.Pos()).String()))})
				continue
			}
			if o, ok := owner[name]; ok {
				b.probs = append(b.probs, Problem{Pos: s.Pos, Type: s.Name, Msg: fmt.Sprintf(
					"sessgen generates %s for both %s and %s; rename one of the types", name, o, s.Name)})
				continue
			}
			owner[name] = s.Name
		}
	}
}
