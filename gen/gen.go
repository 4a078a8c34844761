package gen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	// AllowBreaking accepts schema changes that stored sessions cannot
	// survive: without it, a key whose recorded values (in the file being
	// replaced) the new schema cannot read is a problem.
	AllowBreaking bool
}

// A File is the generated source of one file and where it belongs.
type File struct {
	Path    string // absolute
	Content []byte // gofmt'd Go source
	Old     []byte // the file's content before this run; nil when it does not exist
}

// Run loads the package in dir and returns the file declaring the typed
// accessors of cfg.Types. It writes nothing. When the input is at fault it
// returns a [Problems] listing every problem found. The output is
// deterministic: the same input always gives the same bytes.
//
// The output file, when sessgen generated it, is loaded as if it held only
// its package clause, so that a stale copy, which may no longer compile,
// never stops its own regeneration; Run refuses to replace a file that
// sessgen did not generate. Before returning, Run type-checks the package
// with the new file in place of the old one: any error then is fatal,
// except errors that other sessgen runs will fix.
//
// Unless cfg.AllowBreaking, Run compares the schemas with the record that
// the file being replaced keeps of the schemas it was generated from, and
// refuses a change after which stored sessions would lose values: a key
// whose new type cannot read what the old one stored, or that turned
// from flash to data or back.
func Run(dir string, cfg Config) ([]File, error) {
	f, _, err := generate(dir, cfg)
	if err != nil {
		return nil, err
	}
	return []File{f}, nil
}

// generate is [Run], returning the schemas too.
func generate(dir string, cfg Config) (File, []*schema, error) {
	if len(cfg.Types) == 0 {
		return File{}, nil, errors.New("gen: no types given")
	}
	t, err := newTarget(dir, cfg)
	if err != nil {
		return File{}, nil, err
	}
	pkg, err := load(t.dir, nil, t.stubbed())
	if err != nil {
		return File{}, nil, err
	}
	t.origin = origin(pkg, cfg)
	if p, ok := t.problem(); ok {
		return File{}, nil, Problems{p}
	}
	schemas, err := build(pkg, t, cfg.Types)
	if err != nil {
		return File{}, nil, err
	}
	if !cfg.AllowBreaking {
		if err := checkChanges(schemas, t); err != nil {
			return File{}, nil, err
		}
	}
	src, err := emit(pkg.Types, schemas, buildConstraint(schemas))
	if err != nil {
		return File{}, nil, err
	}
	f := File{Path: t.path, Content: src, Old: t.old}
	if err := verify(pkg, t, cfg.Types, f); err != nil {
		return File{}, nil, err
	}
	return f, schemas, nil
}

// A target is what one run writes, decided once, before the package is
// loaded: the package directory, the output file, and whether the file
// there now is one that sessgen generated ("ours"). cmd/sessgen decides
// the last again when it writes, which closes the gap between the two.
type target struct {
	dir     string         // the package directory, absolute
	path    string         // the output file, absolute; "" when refused
	refused string         // why Config.Output is refused
	old     []byte         // the output file's content; nil when absent
	readErr error          // why the output file could not be read
	origin  token.Position // where problems without a declaration go (set after loading)
}

func newTarget(dir string, cfg Config) (*target, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("gen: load %s: %w", dir, err)
	}
	t := &target{dir: abs}
	t.path, t.refused = outputPath(abs, cfg)
	if t.path != "" {
		t.old, t.readErr = os.ReadFile(t.path)
		if errors.Is(t.readErr, os.ErrNotExist) {
			t.old, t.readErr = nil, nil
		}
	}
	return t, nil
}

// ours reports whether the output file exists and sessgen generated it.
func (t *target) ours() bool { return t.old != nil && IsGenerated(t.old) }

// stubbed returns the file that loading reads as a stub: the output file
// when it is ours, else "".
func (t *target) stubbed() string {
	if t.ours() {
		return t.path
	}
	return ""
}

// problem returns what stops the run from writing its output, if anything.
func (t *target) problem() (Problem, bool) {
	switch {
	case t.refused != "":
		return Problem{Pos: t.origin, Msg: t.refused}, true
	case t.readErr != nil:
		return Problem{Pos: t.origin, Msg: fmt.Sprintf("cannot read the output file: %v", t.readErr)}, true
	case t.old != nil && !t.ours():
		return Problem{Pos: token.Position{Filename: t.path, Line: 1, Column: 1}, Msg: fmt.Sprintf(
			"the output file exists and sessgen did not generate it (it has no line %q before its package clause); "+
				"sessgen never replaces such a file: choose another -output, or move the file away", header)}, true
	}
	return Problem{}, false
}

// outputPath returns the absolute path of the file cfg asks for in the
// package directory dir, or why the name is not acceptable.
func outputPath(dir string, cfg Config) (path, refused string) {
	def := strings.ToLower(cfg.Types[0]) + "_sess.go"
	out := cfg.Output
	if out == "" {
		out = def
	}
	path = out
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	path = filepath.Clean(path)
	base := filepath.Base(path)
	switch {
	case filepath.Dir(path) != filepath.Clean(dir):
		return "", fmt.Sprintf("-output %s is not in the package directory; the generated file must be part of the package: "+
			"give a file name such as %s", out, def)
	case !strings.HasSuffix(base, ".go"):
		return "", fmt.Sprintf("-output %s does not end in .go, so the go command would not compile it; name a .go file such as %s", out, def)
	case strings.HasSuffix(base, "_test.go"):
		return "", fmt.Sprintf("-output %s is a test file, which only go test compiles; name a file that does not end in _test.go", out)
	case strings.HasPrefix(base, ".") || strings.HasPrefix(base, "_"):
		return "", fmt.Sprintf("-output %s starts with %q, so the go command would ignore it; choose another name", out, base[:1])
	}
	return path, ""
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

// header is the first line of every file sessgen generates. It follows the
// convention `go help generate` states, so tools (and [ast.IsGenerated])
// recognise the file as generated.
const header = "// Code generated by sessgen. DO NOT EDIT."

// IsGenerated reports whether src is a file that sessgen generated: one
// with the line "// Code generated by sessgen. DO NOT EDIT." before its
// package clause.
func IsGenerated(src []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == header {
			return true
		}
		if strings.HasPrefix(line, "package ") {
			return false
		}
	}
	return false
}
