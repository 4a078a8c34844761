package gen

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Check checks, from dir, the packages that patterns match (as the go
// command matches them) as `sessgen -check ./...` does, and returns a
// [Problems] with every finding, or nil when there is none. It writes
// nothing.
//
// A file that a //go:generate line of those packages generates with
// sessgen and that does not exist is missing. Each sessgen-generated file
// in those packages is generated again, for
// the schemas its record names: a file that would change is stale, and a
// schema change that stored sessions would not survive is reported as
// [Run] reports it (unless allowBreaking). Then, among schemas that can
// share one session, a session key used with two encodings, or as flash
// by one and data by another, or as an old key (was=) by one and at all
// by another, is reported at both fields. Schemas share a session when
// they end up in one program: each matched main package groups the
// schemas in it and in the packages it imports; the schemas of matched
// packages that no matched main package imports form one more group.
func Check(dir string, allowBreaking bool, patterns ...string) error {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedImports | packages.NeedDeps, Dir: dir}
	roots, err := packages.Load(cfg, patterns...)
	if err != nil {
		return fmt.Errorf("gen: list %v: %w", patterns, err)
	}
	var ps Problems
	matched := make(map[*packages.Package]bool)
	for _, p := range roots {
		matched[p] = true
		for _, e := range p.Errors {
			ps = append(ps, packageProblem(e))
		}
	}
	if len(ps) > 0 {
		ps.sort()
		return ps
	}
	// A file that a go:generate line names but that does not exist is
	// missing: the loop below sees only files that exist.
	for _, p := range roots {
		ps = append(ps, missingOutputs(p.GoFiles)...)
	}
	// Generate every file in the matched packages and in what they import.
	schemas := make(map[*packages.Package][]*schema)
	packages.Visit(roots, nil, func(p *packages.Package) {
		if p.Imports[runtimePath] == nil {
			return // a generated file imports runtime
		}
		for _, file := range p.GoFiles {
			ss, fps := checkFile(file, allowBreaking, matched[p])
			schemas[p] = append(schemas[p], ss...)
			ps = append(ps, fps...)
		}
	})
	// Group them by program.
	var groups [][]*schema
	reached := make(map[*packages.Package]bool)
	for _, m := range roots {
		if m.Name != "main" {
			continue
		}
		var g []*schema
		packages.Visit([]*packages.Package{m}, nil, func(p *packages.Package) {
			reached[p] = true
			g = append(g, schemas[p]...)
		})
		groups = append(groups, g)
	}
	var rest []*schema
	for _, p := range roots {
		if !reached[p] {
			rest = append(rest, schemas[p]...)
		}
	}
	groups = append(groups, rest)
	ps = append(ps, conflicts(groups)...)
	if len(ps) > 0 {
		ps.sort()
		return ps
	}
	return nil
}

// missingOutputs reports, for each //go:generate line of files that runs
// sessgen, the file it generates when that file does not exist.
func missingOutputs(files []string) Problems {
	var ps Problems
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for i, line := range strings.Split(string(src), "\n") {
			args, ok := strings.CutPrefix(strings.TrimSpace(line), "//go:generate ")
			if !ok || !strings.Contains(args, "sessgen") {
				continue
			}
			cfg, ok := directive(strings.Fields(args))
			if !ok {
				continue
			}
			out, refused := outputPath(filepath.Dir(file), cfg)
			if refused != "" {
				continue // the run itself reports it
			}
			if _, err := os.Stat(out); errors.Is(err, os.ErrNotExist) {
				ps = append(ps, Problem{Pos: token.Position{Filename: file, Line: i + 1, Column: 1}, Msg: fmt.Sprintf(
					"%s is missing: this go:generate line generates it; run go generate", filepath.Base(out))})
			}
		}
	}
	return ps
}

// directive reads the -type and -output flags of a go:generate line's
// words, as cmd/sessgen parses them; ok is false when it names no type.
func directive(words []string) (cfg Config, ok bool) {
	for i := 0; i < len(words); i++ {
		name, value, inline := strings.Cut(strings.TrimLeft(words[i], "-"), "=")
		if !strings.HasPrefix(words[i], "-") || name != "type" && name != "output" {
			continue
		}
		if !inline {
			if i+1 == len(words) {
				break
			}
			i++
			value = words[i]
		}
		if name == "output" {
			cfg.Output = value
			continue
		}
		for t := range strings.SplitSeq(value, ",") {
			if t = strings.TrimSpace(t); t != "" {
				cfg.Types = append(cfg.Types, t)
			}
		}
	}
	return cfg, len(cfg.Types) > 0
}

// checkFile generates file again when sessgen generated it and returns its
// schemas and, when report is set, what is wrong with it.
func checkFile(file string, allowBreaking, report bool) ([]*schema, Problems) {
	src, err := os.ReadFile(file)
	if err != nil || !IsGenerated(src) {
		return nil, nil
	}
	at := Problems{{Pos: token.Position{Filename: file}}}
	r, err := parseRecord(src)
	switch {
	case err != nil:
		at[0].Msg = fmt.Sprintf("the schema record cannot be read (%v); run go generate with -allow-breaking", err)
		return nil, at
	case len(r.schemas) == 0:
		at[0].Msg = "the file records no schema (an older sessgen generated it); run go generate"
		return nil, at
	}
	f, schemas, err := generate(filepath.Dir(file), Config{Types: r.schemas, Output: file, AllowBreaking: allowBreaking})
	if !report {
		return schemas, nil
	}
	var ps Problems
	switch {
	case errors.As(err, &ps):
		return nil, ps
	case err != nil:
		at[0].Msg = err.Error()
		return nil, at
	case !bytes.Equal(f.Content, f.Old):
		at[0].Msg = "the file is stale; run go generate"
		return schemas, at
	}
	return schemas, nil
}

// A use is a session key as one field of a schema uses it.
type use struct {
	s     *schema
	f     field
	old   bool // an old key (was=) of the field
	shape string
}

// conflicts reports the keys that two schemas of one group use
// differently, once for each pair of fields.
func conflicts(groups [][]*schema) Problems {
	c := newCompat()
	var ps Problems
	seen := make(map[[2]token.Position]bool)
	for _, g := range groups {
		byKey := make(map[string][]use)
		for _, s := range g {
			for _, f := range s.Fields {
				sh := c.normal(f.Shape)
				byKey[f.Key] = append(byKey[f.Key], use{s, f, false, sh})
				for _, old := range f.Was {
					byKey[old] = append(byKey[old], use{s, f, true, sh})
				}
			}
		}
		for _, key := range slices.Sorted(maps.Keys(byKey)) {
			us := byKey[key]
			slices.SortFunc(us, func(a, b use) int {
				return cmp.Or(cmp.Compare(a.f.Pos.Filename, b.f.Pos.Filename), cmp.Compare(a.f.Pos.Line, b.f.Pos.Line))
			})
			for i, a := range us {
				for _, b := range us[i+1:] {
					pair := [2]token.Position{a.f.Pos, b.f.Pos}
					why := clash(a, b)
					if a.s == b.s || seen[pair] || why == "" {
						continue
					}
					seen[pair] = true
					ps = append(ps, Problem{Pos: a.f.Pos, Field: a.f.Name, Msg: fmt.Sprintf(
						"schemas %s and %s can share a session, and session key %q %s; field %s of %s is at %s: give one of them another key",
						a.s.Name, b.s.Name, key, why, b.f.Name, b.s.Name, b.f.Pos)})
				}
			}
		}
	}
	return ps
}

// clash says how two uses of one key conflict, or returns "".
func clash(a, b use) string {
	kind := map[bool]string{false: "data", true: "flash"}
	switch {
	case a.old || b.old:
		if a.old && b.old && a.f.Key == b.f.Key && a.f.Flash == b.f.Flash && a.shape == b.shape {
			return "" // the same rename, twice
		}
		return "is an old key (was=) of one, whose values move to another key, and used by the other"
	case a.f.Flash != b.f.Flash:
		return fmt.Sprintf("is %s in %s and %s in %s", kind[a.f.Flash], a.s.Name, kind[b.f.Flash], b.s.Name)
	case a.shape != b.shape:
		return fmt.Sprintf("holds %s in %s and %s in %s", a.shape, a.s.Name, b.shape, b.s.Name)
	}
	return ""
}

// normal spells s with int, uint and uintptr replaced by their sized
// names, so that shapes that encode alike compare equal.
func (c *compat) normal(s *shape) string {
	var b strings.Builder
	s.write(&b, func(name string) string {
		if signed, bits, ok := c.integer(name); ok {
			return map[bool]string{false: "uint", true: "int"}[signed] + strconv.Itoa(bits)
		}
		return name
	})
	return b.String()
}
