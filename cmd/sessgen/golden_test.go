package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ (generated outputs and errors.golden)")

// repoRoot is the module root, two levels up from cmd/sessgen.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// goldenCase is one directory under testdata/: a package and, in its file
// "args", the sessgen flags to run it with. An error case has
// errors.golden; any other case has its generated output committed next to
// its input.
type goldenCase struct {
	name, dir string
	args      []string
}

func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	root := filepath.Join(repoRoot(t), "testdata")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		args, err := os.ReadFile(filepath.Join(dir, "args"))
		if err != nil {
			continue
		}
		cases = append(cases, goldenCase{e.Name(), dir, strings.Fields(string(args))})
	}
	if len(cases) == 0 {
		t.Fatal("no golden cases")
	}
	return cases
}

func (c goldenCase) isError() bool {
	_, err := os.Stat(filepath.Join(c.dir, "errors.golden"))
	return err == nil
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func noEnv(string) string { return "" }

// runIn runs the command in-process with dir as its working directory.
func runIn(dir string, env func(string) string, args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, dir, env, &out, &errb)
	return code, out.String(), errb.String()
}

// TestGolden runs sessgen over every case under testdata/ as go generate
// would (working directory = the package). Error cases must print exactly
// errors.golden (file:line:col of every problem), exit 1 and leave the
// directory as it was; the others must find their committed output up to
// date. With -update it rewrites what differs.
func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			before := listDir(t, c.dir)
			if *update {
				code, _, stderr := runIn(c.dir, noEnv, c.args...)
				if code != 0 {
					writeGolden(t, filepath.Join(c.dir, "errors.golden"), stderr)
				}
				return
			}
			if c.isError() {
				want, err := os.ReadFile(filepath.Join(c.dir, "errors.golden"))
				if err != nil {
					t.Fatal(err)
				}
				code, _, stderr := runIn(c.dir, noEnv, c.args...)
				if code != exitProblem {
					t.Errorf("exit code %d, want %d", code, exitProblem)
				}
				if stderr != string(want) {
					t.Errorf("stderr:\n%s\nwant (errors.golden):\n%s", stderr, want)
				}
				if after := listDir(t, c.dir); !slices.Equal(before, after) {
					t.Errorf("directory changed: %v, was %v", after, before)
				}
				return
			}
			code, _, stderr := runIn(c.dir, noEnv, append([]string{"-check"}, c.args...)...)
			if code != 0 {
				t.Errorf("committed output is not what sessgen generates (exit %d): %s\nrun go test ./cmd/sessgen -run TestGolden -update", code, stderr)
			}
		})
	}
}

func writeGolden(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGoldenCompile builds and vets the committed golden outputs together
// with their inputs.
func TestGoldenCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet")
	}
	args := []string{"vet"}
	for _, c := range goldenCases(t) {
		if !c.isError() {
			args = append(args, "./testdata/"+c.name)
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = repoRoot(t)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}
