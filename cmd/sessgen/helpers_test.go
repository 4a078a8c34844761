package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const cartSchema = `package app

type Cart struct {
	CartID int64
	Notice string ` + "`session:\"notice,flash\"`" + `
}
`

// tempModule writes files into a new module in t.TempDir() that requires
// this repository through a replace directive, with a copy of its go.sum.
// It sets the environment so that the go command (run by go/packages and
// by goCmd) resolves everything from the local module cache, offline.
// Tests that use it must not be parallel.
func tempModule(t *testing.T, files map[string]string) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	gomod := "module example.com/app\n\ngo 1.26.0\n\n" +
		"require github.com/sessgen/sessgen v0.0.0-00010101000000-000000000000\n\n" +
		"replace github.com/sessgen/sessgen => " + root + "\n"
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.mod"] = gomod
	files["go.sum"] = string(sum)
	for name, content := range files {
		putFile(t, filepath.Join(dir, name), content)
	}
	offline(t)
	return dir
}

// offline sets the environment so that the go command resolves every
// module from the local module cache. Tests that call it must not be
// parallel.
func offline(t *testing.T) {
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOTOOLCHAIN", "local")
}

func putFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// goCmd runs the go command in dir and returns its combined output.
func goCmd(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustGo(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := goCmd(t, dir, args...)
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// mustRun runs sessgen in-process in dir and fails the test unless it
// exits 0.
func mustRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	if code, _, stderr := runIn(dir, noEnv, args...); code != 0 {
		t.Fatalf("sessgen %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
}
