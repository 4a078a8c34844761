package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/gen"
)

// TestFromScratch is the path every new user takes: in a copy of this
// repository with every sessgen-generated file deleted, -check reports
// each output missing (and nothing else), and running each golden case's
// arguments and each //go:generate sessgen line regenerates exactly the
// committed file. (Regenerating over the committed files is TestGolden's
// and TestRepoGeneratedUpToDate's -check.)
func TestFromScratch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	root := copyModule(t, repoRoot(t))
	type job struct {
		name, dir string
		args      []string
		want      map[string]string // output path → committed content
	}
	var jobs []job
	for _, c := range goldenCases(t) {
		if !c.isError() {
			dir := filepath.Join(root, "testdata", c.name)
			jobs = append(jobs, job{"testdata/" + c.name, dir, c.args, nil})
		}
	}
	err := filepath.WalkDir(filepath.Join(root, "examples"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		for _, args := range sessgenDirectives(t, path) {
			name, _ := filepath.Rel(root, path)
			jobs = append(jobs, job{name, filepath.Dir(path), args, nil})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range jobs {
		jobs[i].want = generatedIn(t, jobs[i].dir)
		if len(jobs[i].want) == 0 {
			t.Fatalf("%s: no generated file committed", jobs[i].name)
		}
	}
	for _, j := range jobs {
		for path := range j.want {
			if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		}
	}
	for _, j := range jobs {
		code, _, stderr := runIn(j.dir, noEnv, append([]string{"-check"}, j.args...)...)
		for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if code != exitProblem || !strings.HasSuffix(line, " is missing; run go generate") {
				t.Errorf("%s: -check with the output deleted: exit %d, stderr %q", j.name, code, stderr)
				break
			}
		}
	}
	for _, j := range jobs {
		code, _, stderr := runIn(j.dir, noEnv, j.args...)
		if code != 0 {
			t.Errorf("%s: sessgen %s: exit %d\n%s", j.name, strings.Join(j.args, " "), code, stderr)
			continue
		}
		for path, want := range j.want {
			if got, err := os.ReadFile(path); err != nil || string(got) != want {
				t.Errorf("%s: %s differs from the committed file (%v)", j.name, filepath.Base(path), err)
			}
		}
	}
}

// generatedIn returns the sessgen-generated files of dir and their
// contents.
func generatedIn(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := make(map[string]string)
	for _, e := range entries {
		path := filepath.Join(dir, e.Name())
		if src, err := os.ReadFile(path); err == nil && strings.HasSuffix(path, ".go") && gen.IsGenerated(src) {
			files[path] = string(src)
		}
	}
	return files
}

// copyModule copies the module at root (without .git and build output)
// into a temporary directory and returns the copy's root. The go command
// then works offline there, as tempModule sets it up.
func copyModule(t *testing.T, root string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "module")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || rel == "artifacts" || rel == filepath.Join("bench", "out")) {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), src, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	offline(t)
	return dst
}
