// Package modtest makes throwaway Go modules that use this repository, for
// the generator's end-to-end tests: each is a temporary directory whose
// go.mod requires github.com/sessgen/sessgen through a replace directive,
// and where the go command works offline, from the module cache.
package modtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// New writes files (path → content) into a new module example.com/app in
// t.TempDir() that uses the repository at root, with a copy of its go.sum,
// and calls [Offline]. Tests that use it must not be parallel.
func New(t testing.TB, root string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	Put(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.26.0\n\n"+
		"require github.com/sessgen/sessgen v0.0.0-00010101000000-000000000000\n\n"+
		"replace github.com/sessgen/sessgen => "+root+"\n")
	Put(t, filepath.Join(dir, "go.sum"), string(sum))
	for name, content := range files {
		Put(t, filepath.Join(dir, name), content)
	}
	Offline(t)
	return dir
}

// Offline sets the environment so that the go command, run by the test or
// by go/packages, resolves every module from the local module cache.
// Tests that call it must not be parallel.
func Offline(t testing.TB) {
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOWORK", "off")
	t.Setenv("GOTOOLCHAIN", "local")
}

// Put writes content to path, making its directory.
func Put(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Read returns the content of path.
func Read(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Go runs the go command in dir and returns its combined output.
func Go(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// MustGo runs the go command in dir and fails the test if it fails.
func MustGo(t testing.TB, dir string, args ...string) string {
	t.Helper()
	out, err := Go(dir, args...)
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
