package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/gcexportdata"
	"golang.org/x/tools/go/packages"
)

// verify type-checks the package again with f in place of the output
// file as loaded, and returns the type errors that f causes or leaves.
// Errors that were there before and that other sessgen runs will fix are
// theirs, not this run's: errors inside other sessgen-generated files
// (stale ones), and code using the accessors of another schema of the
// package whose file is not generated yet. Anything else is fatal.
func verify(pkg *packages.Package, t *target, names []string, f File) error {
	generated := make(map[string]bool) // file name → sessgen generated it
	sibling := func(file string) bool {
		g, ok := generated[file]
		if !ok {
			src, err := os.ReadFile(file)
			g = err == nil && IsGenerated(src)
			generated[file] = g
		}
		return g
	}
	before := make(map[string]bool)
	for _, e := range pkg.Errors {
		p := packageProblem(e)
		if p.Pos.Filename == f.Path {
			continue
		}
		if sibling(p.Pos.Filename) || siblingWillFix(pkg, names, p.Msg) {
			before[p.Error()] = true
		}
	}
	errs, ok, err := recheck(pkg, t.dir, f)
	if err != nil {
		return err
	}
	if !ok {
		// cgo: load again, with the go command.
		checked, err := load(t.dir, map[string][]byte{f.Path: f.Content}, "")
		if err != nil {
			return err
		}
		errs = checked.Errors
	}
	var ps Problems
	for _, e := range errs {
		if p := packageProblem(e); !before[p.Error()] {
			if p.Pos.Filename == f.Path {
				p.Msg = "the generated file would not compile: " + p.Msg +
					"; unless other code in the package causes this, it is a bug in sessgen: please report it"
			}
			ps = append(ps, p)
		}
	}
	if len(ps) > 0 {
		ps.sort()
		return ps
	}
	return nil
}

// recheck type-checks pkg in process, with f in place of the output file
// as loaded. Imports come from the packages the load already holds
// and, for those it holds incompletely (a dependency of a dependency, such
// as context when only runtime is imported) or not at all (runtime, when
// the schema is the package's only file), from the go command's export
// data. It reports false when a file uses cgo, so that the caller must
// load the package again.
func recheck(pkg *packages.Package, dir string, f File) ([]packages.Error, bool, error) {
	af, err := parser.ParseFile(pkg.Fset, f.Path, f.Content, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return nil, false, fmt.Errorf("gen: the generated file does not parse (%w); this is a bug in sessgen: please report it", err)
	}
	var wanted []string
	for _, im := range af.Imports {
		if path, err := strconv.Unquote(im.Path.Value); err == nil {
			wanted = append(wanted, path)
		}
	}
	syntax := []*ast.File{af}
	for _, af := range pkg.Syntax {
		if pkg.Fset.Position(af.Package).Filename == f.Path {
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
	imp, err := newImporter(pkg, dir, wanted)
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
func newImporter(pkg *packages.Package, dir string, wanted []string) (*importer, error) {
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
	listed, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedImports | packages.NeedExportFile, Dir: dir}, missing...)
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
// the package other than ours.
func siblingWillFix(pkg *packages.Package, ours []string, msg string) bool {
	var names func(s *schema) []string
	var name string
	if m := undefinedName.FindStringSubmatch(msg); m != nil {
		name = m[1]
		names = (*schema).topLevel
	} else if m := undefinedMethod.FindStringSubmatch(msg); m != nil {
		name = m[1]
		names = func(s *schema) []string { return []string{s.sessionType()} }
	} else {
		return false
	}
	if !strings.Contains(name, "Session") {
		return false
	}
	scope := pkg.Types.Scope()
	for _, t := range scope.Names() {
		if slices.Contains(ours, t) {
			continue
		}
		tn, ok := scope.Lookup(t).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		if _, ok := tn.Type().Underlying().(*types.Struct); ok && slices.Contains(names(&schema{Name: t}), name) {
			return true
		}
	}
	return false
}
