package gen

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"

	"golang.org/x/tools/go/packages"
)

// loadMode is full type information for the package itself; dependencies
// come from export data.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles |
	packages.NeedImports | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule |
	packages.NeedExportFile

// parseMode is how go/packages parses files.
const parseMode = parser.AllErrors | parser.ParseComments | parser.SkipObjectResolution

// stub parses, in place of the generated file src, a file with its header
// and its package clause. The go command still lists the real file, so its
// imports stay in the package's metadata and load from export data; no
// overlay makes go/packages type-check every dependency from source.
func stub(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
	f, err := parser.ParseFile(token.NewFileSet(), filename, src, parser.PackageClauseOnly)
	if err != nil {
		return parser.ParseFile(fset, filename, src, parseMode) // the loader reports it
	}
	return parser.ParseFile(fset, filename, header+"\n\npackage "+f.Name.Name+"\n", parseMode)
}

// load loads the package in the absolute directory dir with full type
// information, with the given overlay (absolute path → contents), reading
// the file stubbed (if not "") as [stub] does. A package that cannot be
// listed or parsed is an error (a [Problems] when the go command names
// positions); type errors stay in the package's Errors for the later
// stages to judge, since they may come from code that calls the very
// accessors about to be regenerated.
func load(dir string, overlay map[string][]byte, stubbed string) (*packages.Package, error) {
	cfg := &packages.Config{Mode: loadMode, Dir: dir, Overlay: overlay}
	if stubbed != "" {
		cfg.ParseFile = func(fset *token.FileSet, filename string, src []byte) (*ast.File, error) {
			if filename == stubbed {
				return stub(fset, filename, src)
			}
			return parser.ParseFile(fset, filename, src, parseMode)
		}
	}
	pkgs, err := packages.Load(cfg, ".")
	if err != nil {
		return nil, fmt.Errorf("gen: load %s: %w", dir, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("gen: load %s: found %d packages, want 1", dir, len(pkgs))
	}
	pkg := pkgs[0]
	var ps Problems
	var kept []packages.Error
	for _, e := range pkg.Errors {
		switch {
		case e.Kind == packages.TypeError:
			kept = append(kept, e)
		case strings.HasPrefix(e.Msg, "# "+pkg.PkgPath+"\n"):
			// The go command's compile of the package for export data
			// failed; type-checking from source reports the same errors
			// as TypeErrors, with positions.
		default:
			ps = append(ps, packageProblem(e))
		}
	}
	pkg.Errors = kept
	if len(ps) > 0 {
		ps.sort()
		return nil, ps
	}
	if pkg.Types == nil || len(pkg.Syntax) == 0 {
		return nil, fmt.Errorf("gen: load %s: no Go files", dir)
	}
	return pkg, nil
}
