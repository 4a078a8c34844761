package gen

import (
	"errors"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Config says what to generate.
type Config struct {
	// Types are the names of the schema structs, at least one.
	Types []string
	// Output is the generated file's path. A relative path is relative to
	// the package's directory. Default: "<first type, lowercased>_sess.go"
	// in the package's directory.
	Output string
	// Origin is where the request to generate came from, such as the
	// //go:generate line ($GOFILE, $GOLINE); problems that concern no
	// declaration (a -type that does not exist) are reported there.
	// Default: the package's first file.
	Origin token.Position
}

// A File is the generated source of one file and where it belongs.
type File struct {
	Path    string // absolute
	Content []byte // gofmt'd Go source
}

// Generate returns the file declaring typed accessors for cfg.Types, which
// must be struct types declared in pkg (as [Load] returns it). It writes
// nothing. When the schemas are at fault it returns a [Problems] listing
// every problem found. The output is deterministic: the same input always
// gives the same bytes.
func Generate(pkg *packages.Package, cfg Config) ([]File, error) {
	if len(cfg.Types) == 0 {
		return nil, errors.New("gen: no types given")
	}
	dir := packageDir(pkg)
	out := cfg.Output
	if out == "" {
		out = strings.ToLower(cfg.Types[0]) + "_sess.go"
	}
	if !filepath.IsAbs(out) {
		out = filepath.Join(dir, out)
	}
	b := &builder{pkg: pkg.Types, fset: pkg.Fset}
	origin := cfg.Origin
	if origin.Filename == "" && len(pkg.GoFiles) > 0 {
		origin = token.Position{Filename: slices.Min(pkg.GoFiles)}
	}
	var schemas []*Schema
	seen := make(map[string]bool)
	for _, name := range cfg.Types {
		if seen[name] {
			continue
		}
		seen[name] = true
		if s := b.schema(name, origin); s != nil {
			schemas = append(schemas, s)
		}
	}
	b.checkTopLevel(schemas)
	if len(b.probs) > 0 {
		if typeErrs := typeProblems(pkg); len(typeErrs) > 0 && invalidField(b.probs) {
			b.probs = append(b.probs, typeErrs...)
		}
		b.probs.sort()
		return nil, b.probs
	}
	e := &emitter{pkg: pkg.Types, scope: pkg.Types.Scope()}
	src, err := e.render(schemas)
	if err != nil {
		return nil, err
	}
	return []File{{Path: out, Content: src}}, nil
}

// checkTopLevel reports generated top-level names that the package already
// declares or that two schemas would both generate.
func (b *builder) checkTopLevel(schemas []*Schema) {
	owner := make(map[string]string)
	for _, s := range schemas {
		for _, name := range []string{s.sessionType(), s.fromFunc(), s.newFunc()} {
			if obj := b.pkg.Scope().Lookup(name); obj != nil {
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

func invalidField(ps Problems) bool {
	for _, p := range ps {
		if strings.Contains(p.Msg, "does not compile") {
			return true
		}
	}
	return false
}

// typeProblems returns the package's type errors as problems.
func typeProblems(pkg *packages.Package) Problems {
	var ps Problems
	for _, e := range pkg.Errors {
		ps = append(ps, packageProblem(e))
	}
	return ps
}

// packageDir returns the directory of pkg's source files.
func packageDir(pkg *packages.Package) string {
	for _, f := range pkg.GoFiles {
		return filepath.Dir(f)
	}
	for _, f := range pkg.CompiledGoFiles {
		return filepath.Dir(f)
	}
	return "."
}

// Run loads the package in dir and generates its accessors, as
// cmd/sessgen does. When the package had type errors with its old
// generated files set aside (code in the package may call accessors that
// only the new file declares), Run type-checks the package again with the
// new files in place; any error then is fatal.
func Run(dir string, cfg Config) ([]File, error) {
	pkg, err := Load(dir)
	if err != nil {
		return nil, err
	}
	files, err := Generate(pkg, cfg)
	if err != nil {
		return nil, err
	}
	if len(pkg.Errors) == 0 {
		return files, nil
	}
	overlay := make(map[string][]byte, len(files))
	for _, f := range files {
		overlay[f.Path] = f.Content
	}
	pkg, err = load(dir, overlay)
	if err != nil {
		return nil, err
	}
	if ps := typeProblems(pkg); len(ps) > 0 {
		ps.sort()
		return nil, ps
	}
	return files, nil
}
