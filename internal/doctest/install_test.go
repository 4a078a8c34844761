package doctest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The README's shell blocks that TestREADMEInstall runs, by their marker.
const (
	markInstall  = "install-from-clone"
	markGenerate = "generate"
)

// TestREADMEInstall follows the README's quick start as a newcomer with a
// clone of this repository does: in an empty directory beside the clone
// (../sessgen), with an empty module cache and the module proxy, it runs the
// install-from-clone steps, writes the README's files, runs the generate
// steps, and builds the result.
func TestREADMEInstall(t *testing.T) {
	t.Parallel()
	repo, err := filepath.Abs(repoRoot)
	if err != nil {
		t.Fatal(err)
	}
	steps := make(map[string]block)
	var files []block
	for _, b := range readBlocks(t, "README.md") {
		if b.marker != "" {
			steps[b.marker] = b
		}
		if b.lang != "go" {
			continue
		}
		path, _, err := goFile(b)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(filepath.Join(repo, path)); os.IsNotExist(err) {
			files = append(files, b)
		}
	}
	for _, name := range []string{markInstall, markGenerate} {
		if _, ok := steps[name]; !ok {
			t.Fatalf("README.md has no shell block marked <!-- doctest: %s -->", name)
		}
	}
	if len(files) == 0 {
		t.Fatal("README.md shows no whole file of a reader's module")
	}

	work := t.TempDir()
	if err := os.Symlink(repo, filepath.Join(work, "sessgen")); err != nil {
		t.Fatal(err)
	}
	mod := filepath.Join(work, "shop")
	if err := os.Mkdir(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	env := []string{"GOMODCACHE=" + cache, "GOFLAGS=", "GOWORK=off"}
	// The module cache is read-only; empty it before t.TempDir removes it.
	t.Cleanup(func() { goCmd(mod, env, "clean", "-modcache") })

	sh(t, mod, env, steps[markInstall])
	for _, b := range files {
		path, _, _ := goFile(b)
		write(t, filepath.Join(mod, path), b.text())
	}
	sh(t, mod, env, steps[markGenerate])
	if out, err := goCmd(mod, env, "build", "./..."); err != nil {
		t.Fatalf("go build after the README's steps: %v\n%s", err, out)
	}
}

// sh runs a README shell block in dir, stopping at the first failing command.
func sh(t *testing.T, dir string, env []string, b block) {
	t.Helper()
	cmd := exec.Command("bash", "-e", "-u", "-o", "pipefail", "-c", b.text())
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: the README's %q steps fail in a fresh module with an empty module cache: %v\n%s\n%s",
			b.pos(), b.marker, err, strings.TrimSpace(b.text()), out)
	}
}
