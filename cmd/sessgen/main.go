package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/token"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/sessgen/sessgen/gen"
)

func main() {
	os.Exit(run(os.Args[1:], "", os.Getenv, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK      = 0
	exitProblem = 1 // bad schema, breaking change, stale file, key conflict, or failed write
	exitUsage   = 2
)

// run is the command, with its environment passed in so tests can call it
// in-process. cwd "" means the process's working directory.
func run(args []string, cwd string, getenv func(string) string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sessgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var typeFlag typeList
	fs.Var(&typeFlag, "type", "comma-separated names of the schema struct types (required; may be repeated, and the lists add up)")
	output := fs.String("output", "", "output file, relative to the package directory (default <first type, lowercased>_sess.go)")
	check := fs.Bool("check", false, "write nothing; exit 1 naming each generated file that is missing or stale "+
		"(without -type: every generated file of the packages matched, those their go:generate lines name, and conflicting session keys)")
	allowBreaking := fs.Bool("allow-breaking", false, "accept schema changes after which stored sessions lose values")
	version := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: sessgen -type Cart[,Other] [-type More] [-output file.go] [-check] [-allow-breaking] [dir]\n"+
			"       sessgen -check [-allow-breaking] [packages]\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *version {
		fmt.Fprintln(stdout, "sessgen", Version())
		return exitOK
	}
	if cwd == "" {
		var err error
		if cwd, err = os.Getwd(); err != nil {
			fmt.Fprintln(stderr, "sessgen:", err)
			return exitProblem
		}
	}
	types := []string(typeFlag)
	if len(types) == 0 && *check && *output == "" {
		patterns := fs.Args()
		if len(patterns) == 0 {
			patterns = []string{"."}
		}
		return report(gen.Check(cwd, *allowBreaking, patterns...), cwd, stderr)
	}
	if len(types) == 0 {
		fmt.Fprintln(stderr, "sessgen: -type is required (or -check alone, to check packages)")
		fs.Usage()
		return exitUsage
	}
	dir := cwd
	switch fs.NArg() {
	case 0: // under go generate, cwd is the directory of $GOFILE
		if strings.HasSuffix(getenv("GOPACKAGE"), "_test") {
			fmt.Fprintf(stderr, "sessgen: %s: generating into a test package is not supported; put the schema in package %s\n",
				getenv("GOFILE"), strings.TrimSuffix(getenv("GOPACKAGE"), "_test"))
			return exitUsage
		}
	case 1:
		dir = fs.Arg(0)
		if strings.Contains(dir, "...") {
			fmt.Fprintf(stderr, "sessgen: with -type, the argument is one package directory, not the pattern %s; "+
				"-check without -type checks the packages a pattern matches\n", dir)
			return exitUsage
		}
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(cwd, dir)
		}
	default:
		fmt.Fprintln(stderr, "sessgen: at most one directory argument")
		fs.Usage()
		return exitUsage
	}

	cfg := gen.Config{Types: types, Output: *output, AllowBreaking: *allowBreaking}
	if file := getenv("GOFILE"); file != "" && fs.NArg() == 0 {
		line, _ := strconv.Atoi(getenv("GOLINE"))
		cfg.Origin = token.Position{Filename: filepath.Join(dir, file), Line: line, Column: 1}
	}
	files, err := gen.Run(dir, cfg)
	if err != nil {
		return report(err, cwd, stderr)
	}
	if *check {
		return checkFiles(files, cwd, stderr)
	}
	for _, f := range files {
		if err := writeFile(f.Path, f.Content); err != nil {
			fmt.Fprintln(stderr, "sessgen:", err)
			return exitProblem
		}
	}
	return exitOK
}

// report prints err, problems with file names relative to cwd, and
// returns the exit code.
func report(err error, cwd string, stderr io.Writer) int {
	var ps gen.Problems
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ps):
		fmt.Fprintln(stderr, ps.Format(cwd))
	default:
		fmt.Fprintln(stderr, "sessgen:", err)
	}
	return exitProblem
}

// typeList is the value of -type: the names of every -type flag, in order.
type typeList []string

func (l *typeList) String() string { return strings.Join(*l, ",") }

func (l *typeList) Set(s string) error {
	for t := range strings.SplitSeq(s, ",") {
		if t = strings.TrimSpace(t); t != "" {
			*l = append(*l, t)
		}
	}
	return nil
}

// checkFiles compares files with what was on disk when gen.Run read them.
func checkFiles(files []gen.File, cwd string, stderr io.Writer) int {
	code := exitOK
	for _, f := range files {
		name := rel(cwd, f.Path)
		switch {
		case f.Old == nil:
			fmt.Fprintf(stderr, "sessgen: %s is missing; run go generate\n", name)
			code = exitProblem
		case !bytes.Equal(f.Old, f.Content):
			fmt.Fprintf(stderr, "sessgen: %s is stale; run go generate\n", name)
			code = exitProblem
		}
	}
	return code
}

func rel(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil && !strings.HasPrefix(r, "..") {
		return r
	}
	return path
}

// writeFile replaces path with content atomically: it writes a temporary
// file in the same directory (named so that the go command ignores it) and
// renames it over path, so no reader ever sees a partial file. A file that
// already holds content is left untouched, and a file that sessgen did not
// generate is never replaced (gen.Run refuses it too; this closes the gap
// between its check and the write). Errors name path, never the temporary
// file.
func writeFile(path string, content []byte) (err error) {
	old, err := os.ReadFile(path)
	switch {
	case err == nil && bytes.Equal(old, content):
		return nil
	case err == nil && !gen.IsGenerated(old):
		return fmt.Errorf("write %s: the file exists and sessgen did not generate it; it was left as it is", path)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, unwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
			err = fmt.Errorf("write %s: %w", path, unwrapPath(err))
		}
	}()
	if _, err = tmp.Write(content); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// unwrapPath drops the operation and the path from a *os.PathError or
// *os.LinkError, which may name the temporary file.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// Version returns the module version sessgen was built from, or "(devel)".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
