package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/cmd/sessgen/internal/modtest"
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
	first := modtest.Read(t, out)
	mustRun(t, dir, "-type", "Cart")
	if modtest.Read(t, out) != first {
		t.Fatal("regenerating an unchanged schema changed the file")
	}

	// int32 → int64 and a new field: stored values still decode.
	modtest.Put(t, filepath.Join(dir, "cart.go"), schema("\tCount int64\n\tNote  string `session:\"note,flash\"`\n\tSeen  bool\n"))
	mustRun(t, dir, "-type", "Cart")
	widened := modtest.Read(t, out)

	// int64 → string, and the flash value become data: both refused.
	modtest.Put(t, filepath.Join(dir, "cart.go"), schema("\tCount string\n\tNote  string `session:\"note\"`\n\tSeen  bool\n"))
	for _, args := range [][]string{{"-type", "Cart"}, {"-check", "-type", "Cart"}} {
		code, _, stderr := runIn(dir, noEnv, args...)
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if code != exitProblem || len(lines) != 2 ||
			!strings.HasPrefix(lines[0], `cart.go:4:2: field Count: stored sessions hold int64 values under session key "count", which string does not read exactly`) ||
			!strings.HasPrefix(lines[1], `cart.go:5:2: field Note: stored sessions hold flash values under session key "note", and the field is now data`) ||
			!strings.Contains(stderr, "-allow-breaking") {
			t.Errorf("sessgen %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
		}
		if modtest.Read(t, out) != widened {
			t.Fatalf("sessgen %s changed the file", strings.Join(args, " "))
		}
	}
	// A new key for the field is the way out: its old values are ignored.
	modtest.Put(t, filepath.Join(dir, "cart.go"), schema("\tCount string `session:\"count_v2\"`\n\tNote  string `session:\"note_v2\"`\n\tSeen  bool\n"))
	code, _, stderr := runIn(dir, noEnv, "-check", "-type", "Cart")
	if code != exitProblem || stderr != "sessgen: cart_sess.go is stale; run go generate\n" {
		t.Errorf("-check after giving new keys: exit %d, stderr %q", code, stderr)
	}
	mustRun(t, dir, "-type", "Cart")

	// A rename whose old key held another type is refused too; accepting
	// the loss writes the file, after which the record is the new schema.
	modtest.Put(t, filepath.Join(dir, "cart.go"), schema("\tCount int64 `session:\"count\"`\n\tRef   int   `session:\"ref,was=count_v2\"`\n"))
	code, _, stderr = runIn(dir, noEnv, "-type", "Cart")
	if want := `cart.go:5:2: field Ref: stored sessions hold string values under the field's old key "count_v2" (was=)`; code != exitProblem || !strings.HasPrefix(stderr, want) {
		t.Errorf("a rename that changes the type: exit %d, stderr %q, want %q...", code, stderr, want)
	}
	mustRun(t, dir, "-allow-breaking", "-type", "Cart")
	mustRun(t, dir, "-check", "-type", "Cart")
	modtest.MustGo(t, dir, "vet", ".")
}

// TestCheckModule runs sessgen -check ./... over a module with two
// programs and two packages no program imports: keys that schemas of one
// program use differently are reported at both fields, those of separate
// programs are not, the unimported packages form one group, a stale file
// is named, and the exit status is 1; once fixed, it passes.
func TestCheckModule(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	schema := func(pkg, name, fields string) string {
		return "package " + pkg + "\n\ntype " + name + " struct {\n" + fields + "}\n"
	}
	files := map[string]string{
		"a/a.go":            schema("a", "A", "\tCount int64 `session:\"count\"`\n\tNote  string `session:\"note,flash\"`\n\tOld   int `session:\"new,was=legacy\"`\n"),
		"b/b.go":            schema("b", "B", "\tCount string `session:\"count\"`\n\tNote  string `session:\"note\"`\n\tLegacy int\n\tSame int64 `session:\"same\"`\n"),
		"c/c.go":            schema("c", "C", "\tSame int `session:\"same\"`\n\tCount bool `session:\"count\"`\n"),
		"d/d.go":            schema("d", "D", "\tCount uint `session:\"count\"`\n"),
		"e/e.go":            schema("e", "E", "\tCount int64 `session:\"count\"`\n"),
		"cmd/app/main.go":   "package main\n\nimport (\n\t_ \"example.com/app/a\"\n\t_ \"example.com/app/b\"\n\t_ \"example.com/app/c\"\n)\n\nfunc main() {}\n",
		"cmd/other/main.go": "package main\n\nimport _ \"example.com/app/e\"\n\nfunc main() {}\n",
		"f/f.go":            schema("f", "F", "\tCount float64 `session:\"count\"`\n"),
	}
	dir := tempModule(t, files)
	for _, p := range []struct{ dir, typ string }{{"a", "A"}, {"b", "B"}, {"c", "C"}, {"d", "D"}, {"e", "E"}, {"f", "F"}} {
		mustRun(t, filepath.Join(dir, p.dir), "-type", p.typ)
	}
	modtest.Put(t, filepath.Join(dir, "e", "e.go"), schema("e", "E", "\tCount int64 `session:\"count\"`\n\tMore int\n"))

	code, _, stderr := runIn(dir, noEnv, "-check", "./...")
	want := []string{
		`a/a.go:4:2: field Count: schemas A and B can share a session, and session key "count" holds int64 in A and string in B; field Count of B is at b/b.go:4:2: give one of them another key`,
		`a/a.go:4:2: field Count: schemas A and C can share a session, and session key "count" holds int64 in A and bool in C; field Count of C is at c/c.go:5:2: give one of them another key`,
		`a/a.go:5:2: field Note: schemas A and B can share a session, and session key "note" is flash in A and data in B; field Note of B is at b/b.go:5:2: give one of them another key`,
		`a/a.go:6:2: field Old: schemas A and B can share a session, and session key "legacy" is an old key (was=) of one, whose values move to another key, and used by the other; field Legacy of B is at b/b.go:6:2: give one of them another key`,
		`b/b.go:4:2: field Count: schemas B and C can share a session, and session key "count" holds string in B and bool in C; field Count of C is at c/c.go:5:2: give one of them another key`,
		`d/d.go:4:2: field Count: schemas D and F can share a session, and session key "count" holds uint64 in D and float64 in F; field Count of F is at f/f.go:4:2: give one of them another key`,
		`e/e_sess.go: the file is stale; run go generate`,
	}
	if code != exitProblem || stderr != strings.Join(want, "\n")+"\n" {
		t.Errorf("-check ./...: exit %d, stderr:\n%s\nwant:\n%s", code, stderr, strings.Join(want, "\n"))
	}

	// b and c's int64 and int "same" encode alike; give the others new keys.
	modtest.Put(t, filepath.Join(dir, "b", "b.go"), schema("b", "B", "\tCount string `session:\"b_count\"`\n\tNote  string `session:\"b_note\"`\n\tLegacy int `session:\"b_legacy\"`\n\tSame int64 `session:\"same\"`\n"))
	modtest.Put(t, filepath.Join(dir, "c", "c.go"), schema("c", "C", "\tSame int `session:\"same\"`\n\tCount bool `session:\"c_count\"`\n"))
	modtest.Put(t, filepath.Join(dir, "f", "f.go"), schema("f", "F", "\tCount float64 `session:\"f_count\"`\n"))
	for _, p := range []struct{ dir, typ string }{{"b", "B"}, {"c", "C"}, {"e", "E"}, {"f", "F"}} {
		mustRun(t, filepath.Join(dir, p.dir), "-type", p.typ)
	}
	mustRun(t, dir, "-check", "./...")
	mustRun(t, filepath.Join(dir, "a"), "-check") // the current package

	// A generated file deleted while a go:generate line still names it is
	// missing; a go:generate line with -output names its own file.
	modtest.Put(t, filepath.Join(dir, "g", "g.go"), "package g\n\n//go:generate go tool sessgen -output=gen_sess.go -type G\n\n"+
		"type G struct {\n\tN int\n}\n")
	if err := os.Remove(filepath.Join(dir, "e", "e_sess.go")); err != nil {
		t.Fatal(err)
	}
	modtest.Put(t, filepath.Join(dir, "e", "gen.go"), "package e\n\n//go:generate go tool sessgen -type E\n")
	code, _, stderr = runIn(dir, noEnv, "-check", "./...")
	want = []string{
		`e/gen.go:3:1: e_sess.go is missing: this go:generate line generates it; run go generate`,
		`g/g.go:3:1: gen_sess.go is missing: this go:generate line generates it; run go generate`,
	}
	if code != exitProblem || stderr != strings.Join(want, "\n")+"\n" {
		t.Errorf("-check ./... with files missing: exit %d, stderr:\n%s\nwant:\n%s", code, stderr, strings.Join(want, "\n"))
	}
}
