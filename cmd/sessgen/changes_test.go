package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaChange walks a schema through changes between deploys: a
// compatible change regenerates, a breaking one is refused at the field's
// position by a run and by -check alike, writing nothing, until
// -allow-breaking accepts it; a renamed key (was=) keeps the check, and
// regenerating an unchanged schema changes nothing.
func TestSchemaChange(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	schema := func(fields string) string { return "package app\n\ntype Cart struct {\n" + fields + "}\n" }
	dir := tempModule(t, map[string]string{"cart.go": schema("\tCount int32\n\tNote  string `session:\"note,flash\"`\n")})
	out := filepath.Join(dir, "cart_sess.go")
	mustRun(t, dir, "-type", "Cart")
	first := readFile(t, out)
	mustRun(t, dir, "-type", "Cart")
	if readFile(t, out) != first {
		t.Fatal("regenerating an unchanged schema changed the file")
	}

	// int32 → int64 and a new field: stored values still decode.
	putFile(t, filepath.Join(dir, "cart.go"), schema("\tCount int64\n\tNote  string `session:\"note,flash\"`\n\tSeen  bool\n"))
	mustRun(t, dir, "-type", "Cart")
	widened := readFile(t, out)

	// int64 → string, and the flash value become data: both refused.
	putFile(t, filepath.Join(dir, "cart.go"), schema("\tCount string\n\tNote  string `session:\"note\"`\n\tSeen  bool\n"))
	for _, args := range [][]string{{"-type", "Cart"}, {"-check", "-type", "Cart"}} {
		code, _, stderr := runIn(dir, noEnv, args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != exitProblem || len(lines) != 2 ||
			!strings.HasPrefix(lines[0], `cart.go:4:2: field Count: stored sessions hold int64 values under session key "count", which string does not read exactly`) ||
			!strings.HasPrefix(lines[1], `cart.go:5:2: field Note: stored sessions hold flash values under session key "note", and the field is now data`) ||
			!strings.Contains(stderr, "-allow-breaking") {
			t.Errorf("sessgen %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
		}
		if readFile(t, out) != widened {
			t.Fatalf("sessgen %s changed the file", strings.Join(args, " "))
		}
	}
	// A new key for the field is the way out: its old values are ignored.
	putFile(t, filepath.Join(dir, "cart.go"), schema("\tCount string `session:\"count_v2\"`\n\tNote  string `session:\"note_v2\"`\n\tSeen  bool\n"))
	code, _, stderr := runIn(dir, noEnv, "-check", "-type", "Cart")
	if code != exitProblem || stderr != "sessgen: cart_sess.go is stale; run go generate\n" {
		t.Errorf("-check after giving new keys: exit %d, stderr %q", code, stderr)
	}
	mustRun(t, dir, "-type", "Cart")

	// A rename whose old key held another type is refused too; accepting
	// the loss writes the file, after which the record is the new schema.
	putFile(t, filepath.Join(dir, "cart.go"), schema("\tCount int64 `session:\"count\"`\n\tRef   int   `session:\"ref,was=count_v2\"`\n"))
	code, _, stderr = runIn(dir, noEnv, "-type", "Cart")
	if want := `cart.go:5:2: field Ref: stored sessions hold string values under the field's old key "count_v2" (was=)`; code != exitProblem || !strings.HasPrefix(stderr, want) {
		t.Errorf("a rename that changes the type: exit %d, stderr %q, want %q...", code, stderr, want)
	}
	mustRun(t, dir, "-allow-breaking", "-type", "Cart")
	mustRun(t, dir, "-check", "-type", "Cart")
	mustGo(t, dir, "vet", ".")
}
