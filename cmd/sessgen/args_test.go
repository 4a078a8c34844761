package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/cmd/sessgen/internal/modtest"
)

// TestGoGenerateEnv runs as go generate does: no directory argument, the
// package directory as working directory, $GOFILE and $GOLINE set; a -type
// that does not exist is reported at the //go:generate line.
func TestGoGenerateEnv(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "testdata", "notfound")
	env := map[string]string{"GOFILE": "nf.go", "GOLINE": "3", "GOPACKAGE": "notfound"}
	code, _, stderr := runIn(dir, func(k string) string { return env[k] }, "-type", "Missing")
	if want := "nf.go:3:1: type Missing: no such type in package notfound"; code != exitProblem || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d, stderr %q; want prefix %q", code, stderr, want)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"-type", ""}, {"-type", "A", "a", "b"}, {"-nope"}, {"-check", "-type", "A", "./..."}, {"-output", "x.go", "-check"}} {
		if code, _, _ := runIn(t.TempDir(), noEnv, args...); code != exitUsage {
			t.Errorf("sessgen %q: exit %d, want %d", args, code, exitUsage)
		}
	}
	code, stdout, _ := runIn(t.TempDir(), noEnv, "-version")
	if code != 0 || !strings.HasPrefix(stdout, "sessgen ") {
		t.Errorf("-version: exit %d, %q", code, stdout)
	}
}

// TestOutputRejected checks -output values outside the package directory,
// and files sessgen did not generate: exit 1, a positioned message, and
// nothing written or changed.
func TestOutputRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	schema := "package app\n\ntype Cart struct{ N int }\n"
	hand := "package app\n\n// hand-written\nfunc helper() {}\n"
	dir := tempModule(t, map[string]string{"cart.go": schema, "cart_sess.go": hand, "notes.txt": "notes\n"})
	for _, tc := range []struct{ output, want string }{
		{"", "cart_sess.go:1:1: the output file exists and sessgen did not generate it"},
		{"cart.go", "cart.go:1:1: the output file exists and sessgen did not generate it"},
		{"sub/x.go", "cart.go:1:1: -output sub/x.go is not in the package directory"},
		{"../x.go", "cart.go:1:1: -output ../x.go is not in the package directory"},
		{filepath.Join(os.TempDir(), "x.go"), "is not in the package directory"},
		{"notes.txt", "does not end in .go"},
		{"x_test.go", "is a test file"},
		{"_x.go", `starts with "_"`},
	} {
		args := []string{"-type", "Cart"}
		if tc.output != "" {
			args = append(args, "-output", tc.output)
		}
		before := listDir(t, dir)
		code, _, stderr := runIn(dir, noEnv, args...)
		if code != exitProblem || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, ".tmp") {
			t.Errorf("-output %q: exit %d, stderr %q; want %q", tc.output, code, stderr, tc.want)
		}
		if after := listDir(t, dir); strings.Join(after, " ") != strings.Join(before, " ") {
			t.Errorf("-output %q: directory changed: %v, was %v", tc.output, after, before)
		}
	}
	if modtest.Read(t, filepath.Join(dir, "cart.go")) != schema || modtest.Read(t, filepath.Join(dir, "cart_sess.go")) != hand {
		t.Error("a refused run changed a file")
	}
	if _, err := os.Stat(filepath.Join(os.TempDir(), "x.go")); err == nil {
		t.Error("wrote outside the package directory")
	}
}
