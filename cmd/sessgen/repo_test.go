package main

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRepoGeneratedUpToDate is the CI staleness check: it finds every
// //go:generate line in the repository that runs sessgen and runs the same
// command with -check, so a committed generated file that differs from
// what sessgen now generates fails `go test ./...`.
func TestRepoGeneratedUpToDate(t *testing.T) {
	root := repoRoot(t)
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		for _, args := range sessgenDirectives(t, path) {
			found++
			name, _ := filepath.Rel(root, path)
			code, _, stderr := runIn(filepath.Dir(path), noEnv, append([]string{"-check"}, args...)...)
			if code != 0 {
				t.Errorf("%s: //go:generate sessgen %s: exit %d\n%s", name, strings.Join(args, " "), code, stderr)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found == 0 {
		t.Fatal("no //go:generate sessgen lines found; examples/cart has one")
	}
}

// sessgenDirectives returns the sessgen arguments of each //go:generate
// line in file that runs sessgen, in any of the forms the README shows:
// "sessgen ...", "go tool sessgen ..." and "go run <path>/cmd/sessgen ...".
func sessgenDirectives(t *testing.T, file string) [][]string {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var all [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line, ok := strings.CutPrefix(sc.Text(), "//go:generate ")
		if !ok {
			continue
		}
		words := strings.Fields(line)
		for i, w := range words {
			if w == "sessgen" || strings.HasSuffix(w, "/cmd/sessgen") || strings.HasPrefix(w, "github.com/sessgen/sessgen/cmd/sessgen@") {
				all = append(all, words[i+1:])
				break
			}
		}
	}
	return all
}

// TestRepoCheckModule runs sessgen -check ./... on this repository, as
// scripts/test does: every generated file current, no breaking change, no
// session key used two ways.
func TestRepoCheckModule(t *testing.T) {
	if code, _, stderr := runIn(repoRoot(t), noEnv, "-check", "./..."); code != 0 {
		t.Errorf("sessgen -check ./...: exit %d\n%s", code, stderr)
	}
}
