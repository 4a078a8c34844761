package gen

import (
	"errors"
	"fmt"
	"go/ast"
	"go/build/constraint"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// Config says what to generate.
type Config struct {
	// Types are the names of the schema structs, at least one.
	Types []string
	// Output is the generated file's name, relative to the package's
	// directory (an absolute path must also name a file in that
	// directory). It must end in ".go", and may not end in "_test.go" or
	// start with "." or "_". Default: "<first type, lowercased>_sess.go".
	Output string
	// Origin is where the request to generate came from, such as the
	// //go:generate line ($GOFILE, $GOLINE); problems that concern no
	// declaration (a -type that does not exist) are reported there.
	// Default: the package clause of the package's first file.
	Origin token.Position
}

// A File is the generated source of one file and where it belongs.
type File struct {
	Path    string // absolute
	Content []byte // gofmt'd Go source
}

// outputPath returns the absolute path of the file cfg asks for in the
// package directory dir, or a problem (without a position) saying why the
// name is not acceptable.
func outputPath(dir string, cfg Config) (string, string) {
	out := cfg.Output
	if out == "" {
		if len(cfg.Types) == 0 {
			return "", "no types given"
		}
		out = defaultName(cfg)
	}
	path := out
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	path = filepath.Clean(path)
	base := filepath.Base(path)
	switch {
	case filepath.Dir(path) != filepath.Clean(dir):
		return "", fmt.Sprintf("-output %s is not in the package directory; the generated file must be part of the package: "+
			"give a file name such as %s", out, defaultName(cfg))
	case !strings.HasSuffix(base, ".go"):
		return "", fmt.Sprintf("-output %s does not end in .go, so the go command would not compile it; name a .go file such as %s",
			out, defaultName(cfg))
	case strings.HasSuffix(base, "_test.go"):
		return "", fmt.Sprintf("-output %s is a test file, which only go test compiles; name a file that does not end in _test.go", out)
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_"):
		return "", fmt.Sprintf("-output %s starts with %q, so the go command would ignore it; choose another name", out, base[:1])
	}
	return path, ""
}

func defaultName(cfg Config) string {
	if len(cfg.Types) == 0 {
		return "sess.go"
	}
	return strings.ToLower(cfg.Types[0]) + "_sess.go"
}

// origin returns where problems that concern no declaration are reported.
func origin(pkg *packages.Package, cfg Config) token.Position {
	if cfg.Origin.Filename != "" {
		return cfg.Origin
	}
	var first *ast.File
	name := ""
	for _, f := range pkg.Syntax {
		fn := pkg.Fset.Position(f.Package).Filename
		if first == nil || fn < name {
			first, name = f, fn
		}
	}
	if first != nil {
		return pkg.Fset.Position(first.Package)
	}
	if len(pkg.GoFiles) > 0 {
		return token.Position{Filename: slices.Min(pkg.GoFiles)}
	}
	return token.Position{}
}

// Generate returns the file declaring typed accessors for cfg.Types, which
// must be struct types declared in pkg (as [Load] returns it for cfg). It
// writes nothing. When the schemas are at fault it returns a [Problems]
// listing every problem found. The output is deterministic: the same input
// always gives the same bytes.
//
// Generate does not type-check its output; [Run] does.
func Generate(pkg *packages.Package, cfg Config) ([]File, error) {
	if len(cfg.Types) == 0 {
		return nil, errors.New("gen: no types given")
	}
	org := origin(pkg, cfg)
	out, msg := outputPath(packageDir(pkg), cfg)
	if msg != "" {
		return nil, Problems{{Pos: org, Msg: msg}}
	}
	if p, ok := handWritten(pkg, out); ok {
		return nil, Problems{p}
	}
	b := &builder{pkg: pkg.Types, fset: pkg.Fset, files: pkg.Syntax, loaded: pkg}
	var schemas []*Schema
	seen := make(map[string]bool)
	for _, name := range cfg.Types {
		if seen[name] {
			continue
		}
		seen[name] = true
		if s := b.schema(name, org); s != nil {
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
	e := &emitter{pkg: pkg.Types, scope: pkg.Types.Scope()}
	src, err := e.render(schemas, buildConstraint(pkg, schemas))
	if err != nil {
		return nil, err
	}
	return []File{{Path: out, Content: src}}, nil
}

// buildConstraint returns the //go:build line for the generated file: the
// conjunction of the constraints of the files declaring schemas (whose
// types the file uses), or "" when they have none.
func buildConstraint(pkg *packages.Package, schemas []*Schema) string {
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

// handWritten reports a problem when out is one of pkg's parsed files and
// sessgen did not generate it.
func handWritten(pkg *packages.Package, out string) (Problem, bool) {
	for _, f := range pkg.Syntax {
		if pkg.Fset.Position(f.Package).Filename != out {
			continue
		}
		for _, c := range f.Comments {
			if c.Pos() > f.Package {
				break
			}
			for _, l := range c.List {
				if l.Text == Header {
					return Problem{}, false
				}
			}
		}
		return notGenerated(out), true
	}
	return Problem{}, false
}

// notGenerated is the problem of an output file that exists and that
// sessgen did not generate.
func notGenerated(out string) Problem {
	return Problem{Pos: token.Position{Filename: out, Line: 1, Column: 1}, Msg: fmt.Sprintf(
		"the output file exists and sessgen did not generate it (it has no line %q before its package clause); "+
			"sessgen never replaces such a file: choose another -output, or move the file away", Header)}
}

// compilerProblems returns the package's type errors that lie within the
// declarations of schemas, or all of them when none does.
func compilerProblems(pkg *packages.Package, schemas []*Schema) Problems {
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

// checkTopLevel reports generated top-level names that the package already
// declares or that two schemas would both generate.
func (b *builder) checkTopLevel(schemas []*Schema) {
	owner := make(map[string]string)
	for _, s := range schemas {
		for _, name := range s.topLevel() {
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
// cmd/sessgen does. It reads but never writes.
//
// The file that this run generates is loaded as if it held only its
// package clause, so that a stale copy, which may no longer compile, never
// stops its own regeneration; every other file, including other files
// that sessgen generated, is loaded as it is. Run refuses to replace a file
// that sessgen did not generate. Before returning, Run type-checks the
// package with the new file in place of the old one: any error then is
// fatal, except errors inside other sessgen-generated files (a stale
// sibling is fixed by its own run).
func Run(dir string, cfg Config) ([]File, error) {
	pkg, err := Load(dir, cfg)
	if err != nil {
		return nil, err
	}
	files, err := Generate(pkg, cfg)
	if err != nil {
		return nil, err
	}
	org := origin(pkg, cfg)
	for _, f := range files {
		src, err := os.ReadFile(f.Path)
		switch {
		case err == nil:
			if !IsGenerated(src) {
				return nil, Problems{notGenerated(f.Path)}
			}
		case !errors.Is(err, os.ErrNotExist):
			return nil, Problems{{Pos: org, Msg: fmt.Sprintf("cannot read the output file %s: %v", filepath.Base(f.Path), unwrapPath(err))}}
		}
	}
	if err := typeCheck(pkg, cfg, files); err != nil {
		return nil, err
	}
	return files, nil
}

// typeCheck type-checks pkg again with files in place and returns the type
// errors that the new files cause or leave (see [Run]).
func typeCheck(pkg *packages.Package, cfg Config, files []File) error {
	overlay := make(map[string][]byte, len(files))
	for _, f := range files {
		overlay[f.Path] = f.Content
	}
	abs := packageDir(pkg)
	siblings, err := generatedFiles(abs)
	if err != nil {
		return fmt.Errorf("gen: load %s: %w", abs, unwrapPath(err))
	}
	// Errors that were there before this run and that other sessgen runs
	// will fix are theirs: errors inside other generated files (stale
	// ones), and code using the accessors of another schema whose file is
	// not generated yet. Anything else, and anything this run's file
	// causes, is fatal.
	before := make(map[string]bool)
	for _, e := range pkg.Errors {
		p := packageProblem(e)
		if _, ours := overlay[p.Pos.Filename]; ours {
			continue
		}
		if siblings[p.Pos.Filename] || siblingWillFix(pkg, cfg, p.Msg) {
			before[p.Error()] = true
		}
	}
	errs, ok, err := recheck(pkg, files)
	if err != nil {
		return err
	}
	if !ok {
		// cgo: load again, with the go command.
		checked, err := load(abs, overlay, "")
		if err != nil {
			return err
		}
		errs = checked.Errors
	}
	var ps Problems
	for _, e := range errs {
		if p := packageProblem(e); !before[p.Error()] {
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		for i, p := range ps {
			if _, ours := overlay[p.Pos.Filename]; ours {
				ps[i].Msg = "the generated file would not compile: " + p.Msg +
					"; unless other code in the package causes this, it is a bug in sessgen: please report it"
			}
		}
		ps.sort()
		return ps
	}
	return nil
}

// recheck type-checks pkg in process, with files in place of the stubs
// that [Load] read. Imports come from the packages the load already holds
// and, for those it holds incompletely (a dependency of a dependency, such
// as context when only runtime is imported) or not at all (runtime, when
// the schema is the package's only file), from the go command's export
// data. It reports false when a file uses cgo, so that the caller must
// load the package again.
func recheck(pkg *packages.Package, files []File) ([]packages.Error, bool, error) {
	replaced := make(map[string]bool)
	var syntax []*ast.File
	var wanted []string
	for _, f := range files {
		af, err := parser.ParseFile(pkg.Fset, f.Path, f.Content, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, false, nil
		}
		for _, im := range af.Imports {
			if path, err := strconv.Unquote(im.Path.Value); err == nil {
				wanted = append(wanted, path)
			}
		}
		replaced[f.Path] = true
		syntax = append(syntax, af)
	}
	for _, af := range pkg.Syntax {
		if replaced[pkg.Fset.Position(af.Package).Filename] {
			continue
		}
		for _, im := range af.Imports {
			if im.Path.Value == `"C"` {
				return nil, false, nil
			}
		}
		syntax = append(syntax, af)
	}
	// In file name order, as the go command lists files, so that errors
	// are reported where the compiler would report them.
	slices.SortFunc(syntax, func(a, b *ast.File) int {
		return strings.Compare(pkg.Fset.Position(a.Package).Filename, pkg.Fset.Position(b.Package).Filename)
	})
	imp, err := newImporter(pkg, wanted)
	if err != nil {
		return nil, false, err
	}
	var errs []packages.Error
	conf := types.Config{
		Importer: imp,
		Sizes:    pkg.TypesSizes,
		Error: func(err error) {
			te := err.(types.Error)
			errs = append(errs, packages.Error{Pos: te.Fset.Position(te.Pos).String(), Msg: te.Msg, Kind: packages.TypeError})
		},
	}
	if pkg.Module != nil && pkg.Module.GoVersion != "" {
		conf.GoVersion = "go" + pkg.Module.GoVersion
	}
	conf.Check(pkg.PkgPath, pkg.Fset, syntax, nil)
	return errs, true, nil
}

// importer imports packages for [recheck]: the loaded ones when they are
// complete, others from their export data, read into the same view so
// that every package has one identity.
type importer struct {
	fset    *token.FileSet
	view    map[string]*types.Package // path → package, as the load knows it
	exports map[string]string         // path → export data file
}

// newImporter returns the importer of pkg's packages, able to import the
// paths wanted too: those the load did not reach are listed by the go
// command (one run, for export data only).
func newImporter(pkg *packages.Package, wanted []string) (*importer, error) {
	im := &importer{fset: pkg.Fset, view: map[string]*types.Package{"unsafe": types.Unsafe}, exports: make(map[string]string)}
	seen := make(map[*packages.Package]bool)
	var visit func(ps map[string]*packages.Package)
	visit = func(ps map[string]*packages.Package) {
		for _, p := range ps {
			if seen[p] {
				continue
			}
			seen[p] = true
			if p.Types != nil {
				im.view[p.PkgPath] = p.Types
			}
			if p.ExportFile != "" {
				im.exports[p.PkgPath] = p.ExportFile
			}
			visit(p.Imports)
		}
	}
	visit(pkg.Imports)
	var missing []string
	for _, path := range wanted {
		if p := im.view[path]; (p == nil || !p.Complete()) && im.exports[path] == "" && !slices.Contains(missing, path) {
			missing = append(missing, path)
		}
	}
	if len(missing) == 0 {
		return im, nil
	}
	listed, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedImports | packages.NeedExportFile, Dir: packageDir(pkg)}, missing...)
	if err != nil {
		return nil, fmt.Errorf("gen: load %s: %w", strings.Join(missing, " "), err)
	}
	for _, p := range listed {
		if p.ExportFile != "" && im.exports[p.PkgPath] == "" {
			im.exports[p.PkgPath] = p.ExportFile
		}
	}
	return im, nil
}

// Import returns the package at path, completing it from export data
// when the load holds it only in part.
func (im *importer) Import(path string) (*types.Package, error) {
	if p := im.view[path]; p != nil && p.Complete() {
		return p, nil
	}
	file := im.exports[path]
	if file == "" {
		return nil, fmt.Errorf("package %s is not loaded", path)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := gcexportdata.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("read export data of %s: %w", path, err)
	}
	p, err := gcexportdata.Read(r, im.fset, im.view, path)
	if err != nil {
		return nil, fmt.Errorf("read export data of %s: %w", path, err)
	}
	return p, nil
}

var (
	undefinedName   = regexp.MustCompile(`^undefined: (\w+)$`)
	undefinedMethod = regexp.MustCompile(`\(type \*?(\w+) has no field or method `)
)

// siblingWillFix reports whether a type error is one that generating the
// accessors of another schema will fix: a use of the session type, its
// methods, or the functions that sessgen generates for a struct type of
// the package other than cfg's types.
func siblingWillFix(pkg *packages.Package, cfg Config, msg string) bool {
	var names func(s *Schema) []string
	var name string
	if m := undefinedName.FindStringSubmatch(msg); m != nil {
		name = m[1]
		names = (*Schema).topLevel
	} else if m := undefinedMethod.FindStringSubmatch(msg); m != nil {
		name = m[1]
		names = func(s *Schema) []string { return []string{s.sessionType()} }
	} else {
		return false
	}
	if !strings.Contains(name, "Session") {
		return false
	}
	scope := pkg.Types.Scope()
	for _, t := range scope.Names() {
		if slices.Contains(cfg.Types, t) {
			continue
		}
		tn, ok := scope.Lookup(t).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		if _, ok := tn.Type().Underlying().(*types.Struct); ok && slices.Contains(names(&Schema{Name: t}), name) {
			return true
		}
	}
	return false
}

// unwrapPath drops the path (and the operation) from a *os.PathError.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
