package doctest

import (
	"fmt"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// userFile is a Go block that is a whole file of the reader's module.
type userFile struct {
	block
	path string // in the reader's module
	src  string
}

// knownMarkers are the <!-- doctest: NAME --> names some test runs.
var knownMarkers = []string{markInstall, markGenerate}

// TestGoSnippets compiles every Go block of README.md, bench/README.md and
// docs/*.md: excerpts of repository files must be word for word and their
// packages must vet; whole files of a reader's module must generate and vet
// in a fresh module that uses this repository.
func TestGoSnippets(t *testing.T) {
	t.Parallel()
	repo, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	excerpted := make(map[string]map[string]bool) // module dir -> package dirs
	var files []userFile
	for _, doc := range documents(t) {
		seen := make(map[string]string)
		for _, b := range readBlocks(t, doc) {
			if b.marker != "" && (doc != "README.md" || !slices.Contains(knownMarkers, b.marker)) {
				t.Errorf("%s: <!-- doctest: %s --> is not a step any test runs (README.md: %s)", b.pos(), b.marker, strings.Join(knownMarkers, ", "))
			}
			if b.lang != "go" && b.lang != "golang" {
				continue
			}
			path, body, err := goFile(b)
			if err != nil {
				t.Error(err)
				continue
			}
			src, err := os.ReadFile(filepath.Join(repo, path))
			switch {
			case err == nil:
				if excerptAt(strings.Split(string(src), "\n"), body) == 0 {
					t.Errorf("%s: the block is not a run of %s's lines; copy them from the file again", b.pos(), path)
					continue
				}
				mod := moduleDir(t, repo, filepath.Dir(filepath.Join(repo, path)))
				if excerpted[mod] == nil {
					excerpted[mod] = make(map[string]bool)
				}
				excerpted[mod][filepath.Dir(filepath.Join(repo, path))] = true
			case os.IsNotExist(err):
				if prev, dup := seen[path]; dup {
					t.Errorf("%s: %s is already shown whole at %s", b.pos(), path, prev)
					continue
				}
				seen[path] = b.pos()
				if _, err := parser.ParseFile(token.NewFileSet(), path, b.text(), parser.ImportsOnly); err != nil {
					t.Errorf("%s: %s is not a file of this repository, so the block must be a whole Go file (package clause and imports): %v", b.pos(), path, err)
					continue
				}
				files = append(files, userFile{block: b, path: path, src: b.text()})
			default:
				t.Fatal(err)
			}
		}
	}
	if len(excerpted) == 0 || len(files) == 0 {
		t.Fatalf("found %d excerpts and %d whole files in the documents; the test is not seeing them", len(excerpted), len(files))
	}
	for _, mod := range slices.Sorted(maps.Keys(excerpted)) {
		args := []string{"vet"}
		for _, dir := range slices.Sorted(maps.Keys(excerpted[mod])) {
			rel, err := filepath.Rel(mod, dir)
			if err != nil {
				t.Fatal(err)
			}
			args = append(args, "./"+filepath.ToSlash(rel))
		}
		if out, err := goCmd(mod, nil, args...); err != nil {
			t.Errorf("the packages the documents quote do not vet: go %s in %s: %v\n%s", strings.Join(args, " "), mod, err, out)
		}
	}
	buildReaderModule(t, repo, files)
}

// moduleDir returns the directory of the go.mod that holds dir.
func moduleDir(t *testing.T, repo, dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if d == repo || d == filepath.Dir(d) {
			t.Fatalf("no go.mod above %s", dir)
		}
	}
}

// buildReaderModule writes the whole-file blocks into a fresh module, one
// directory per document, and runs go mod tidy there, then go generate
// ./... and go vet ./... in each document's directory. Failures name the
// document's lines.
func buildReaderModule(t *testing.T, repo string, files []userFile) {
	dir := t.TempDir()
	gomod := "module example.com/doctest\n\ngo 1.26.0\n\n" +
		"require github.com/sessgen/sessgen v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/sessgen/sessgen => " + repo + "\n\n" +
		"tool github.com/sessgen/sessgen/cmd/sessgen\n"
	write(t, filepath.Join(dir, "go.mod"), gomod)
	sum, err := os.ReadFile(filepath.Join(repo, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "go.sum"), string(sum))
	byDoc := make(map[string][]userFile)
	for _, f := range files {
		write(t, filepath.Join(dir, docDir(f.doc), f.path), f.src)
		byDoc[f.doc] = append(byDoc[f.doc], f)
	}
	env := []string{"GOFLAGS=-mod=mod"}
	run := func(where string, fs []userFile, args ...string) {
		t.Helper()
		start := time.Now()
		out, err := goCmd(where, env, args...)
		t.Logf("go %s in %s: %v", strings.Join(args, " "), where, time.Since(start).Round(time.Millisecond))
		if err != nil {
			t.Fatalf("go %s, in a module made of the documents' whole-file Go blocks: %v\n%s", strings.Join(args, " "), err, toDocLines(out, fs))
		}
	}
	run(dir, files, "mod", "tidy")
	for _, doc := range slices.Sorted(maps.Keys(byDoc)) {
		run(filepath.Join(dir, docDir(doc)), byDoc[doc], "generate", "./...")
		run(filepath.Join(dir, docDir(doc)), byDoc[doc], "vet", "./...")
	}
}

// docDir is the directory of the reader's module that holds doc's files.
func docDir(doc string) string {
	return strings.ToLower(strings.NewReplacer("/", "_", ".md", "").Replace(doc))
}

// toDocLines rewrites positions of files in the go command's output, such
// as main.go:12:3 or ./main.go:12:3, to the document's lines: README.md:80:3.
func toDocLines(out string, files []userFile) string {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b userFile) int { return len(b.path) - len(a.path) }) // sub/main.go before main.go
	for _, f := range files {
		re := regexp.MustCompile(`(?:[^\s:]*/)?` + regexp.QuoteMeta(f.path) + `:(\d+)`)
		out = re.ReplaceAllStringFunc(out, func(m string) string {
			n, _ := strconv.Atoi(m[strings.LastIndex(m, ":")+1:])
			return fmt.Sprintf("%s:%d", f.doc, f.line+n-1)
		})
	}
	return out
}

// goCmd runs the go command in dir with the environment plus env, and
// returns its combined output.
func goCmd(dir string, env []string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "GOWORK=off"), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
