package main

import (
	"strings"
	"testing"

	"github.com/sessgen/sessgen/cmd/sessgen/internal/modtest"
)

const cartSchema = `package app

type Cart struct {
	CartID int64
	Notice string ` + "`session:\"notice,flash\"`" + `
}
`

// tempModule is [modtest.New] for this repository.
func tempModule(t *testing.T, files map[string]string) string {
	t.Helper()
	return modtest.New(t, repoRoot(t), files)
}

// mustRun runs sessgen in-process in dir and fails the test unless it
// exits 0.
func mustRun(t *testing.T, dir string, args ...string) {
	t.Helper()
	if code, _, stderr := runIn(dir, noEnv, args...); code != 0 {
		t.Fatalf("sessgen %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
}
