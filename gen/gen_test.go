package gen

import (
	"bytes"
	"errors"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"CartID": "cart_id", "HTTPServer": "http_server", "ID": "id", "Items": "items",
		"UserIDs": "user_ids", "IDs": "ids", "URLs": "urls", "CPUsUsed": "cpus_used", "IDsV2": "ids_v2",
		"AStruct": "a_struct", "Is": "is", "HTTPSServer": "https_server", "MyIDsList": "my_ids_list", "Aliases": "aliases", "Item2Name": "item2_name", "X": "x", "already_snake": "already_snake",
		"URLPath": "url_path", "SessionV2": "session_v2",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeyProblem(t *testing.T) {
	for key, bad := range map[string]bool{
		"cart_id": false, "a.b-c_D9": false, strings.Repeat("k", 128): false,
		"": true, "a b": true, "a/b": true, "ключ": true, strings.Repeat("k", 129): true, "a:b": true,
	} {
		if got := keyProblem(key) != ""; got != bad {
			t.Errorf("keyProblem(%q) = %q, want bad=%v", key, keyProblem(key), bad)
		}
	}
}

func TestProblemsFormat(t *testing.T) {
	ps := Problems{
		{Pos: token.Position{Filename: "/p/b.go", Line: 3, Column: 2}, Field: "Items", Msg: "bad"},
		{Pos: token.Position{Filename: "/p/a.go", Line: 9, Column: 6}, Type: "Cart", Msg: "worse"},
	}
	ps.sort()
	var err error = ps
	var got Problems
	if !errors.As(err, &got) {
		t.Fatal("Problems is not an error")
	}
	want := "a.go:9:6: type Cart: worse\nb.go:3:2: field Items: bad"
	if s := ps.Format("/p"); s != want {
		t.Errorf("Format = %q, want %q", s, want)
	}
}

// TestDeterministic generates the same schema twice, from two loads.
func TestDeterministic(t *testing.T) {
	var outs [][]byte
	for range 2 {
		files, err := Run("../testdata/allkinds", Config{Types: []string{"Kinds"}})
		if err != nil {
			t.Fatal(err)
		}
		outs = append(outs, files[0].Content)
	}
	if !bytes.Equal(outs[0], outs[1]) {
		t.Error("two runs generated different bytes")
	}
	if !bytes.HasPrefix(outs[0], []byte(Header+"\n")) {
		t.Error("missing header")
	}
}

// BenchmarkGenerate50 measures a whole run on a 50-field schema, package
// loading (the go command and type-checking) included.
func BenchmarkGenerate50(b *testing.B) {
	for b.Loop() {
		if _, err := Run("../testdata/fifty", Config{Types: []string{"Big"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGenerate50Emit measures building the model and rendering alone.
func BenchmarkGenerate50Emit(b *testing.B) {
	cfg := Config{Types: []string{"Big"}}
	pkg, err := Load("../testdata/fifty", cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Generate(pkg, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTypeCheckAlways proves that Run's type check of the generated file
// runs even when the package had no errors before, and that it reports
// positions in the generated file without writing anything.
func TestTypeCheckAlways(t *testing.T) {
	cfg := Config{Types: []string{"Cart"}}
	pkg, err := Load("../testdata/basic", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(pkg.Errors) > 0 {
		t.Fatalf("testdata/basic has errors: %v", pkg.Errors)
	}
	files, err := Generate(pkg, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := typeCheck(pkg, cfg, files); err != nil {
		t.Fatalf("good output: %v", err)
	}
	bad := bytes.Replace(files[0].Content, []byte("return sess.s.Has("), []byte("return sess.s.Hass("), 1)
	err = typeCheck(pkg, cfg, []File{{Path: files[0].Path, Content: bad}})
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("broken output: got %v, want one problem", err)
	}
	if p := ps[0]; p.Pos.Filename != files[0].Path || p.Pos.Line == 0 || !strings.Contains(p.Msg, "the generated file would not compile: sess.s.Hass undefined") {
		t.Errorf("problem %q at %v", p.Msg, p.Pos)
	}
}

func TestTagLiteral(t *testing.T) {
	for tag, raw := range map[string]bool{
		`session:"a"`: true, "session:\"a\" note:\"x\ty\"": true, `session:"ü"`: true,
		"session:\"a\x00\"": false, "session:\"\xff\"": false, "note:\"`\"": false, "a\rb": false,
		"a\nb": false, "\ufeff": false, "a\x7fb": false,
	} {
		lit := tagLiteral(tag)
		if got := strings.HasPrefix(lit, "`"); got != raw {
			t.Errorf("tagLiteral(%q) = %s, want raw=%v", tag, lit, raw)
		}
		if !raw {
			if back, err := strconv.Unquote(lit); err != nil || back != tag {
				t.Errorf("tagLiteral(%q) = %s, which unquotes to %q, %v", tag, lit, back, err)
			}
		}
	}
}

func TestTagProblem(t *testing.T) {
	for tag, bad := range map[string]bool{
		``: false, `session:"a"`: false, `json:"x" session:"a,flash"`: false, `json: "x"`: false,
		`session: "a"`: true, `session:"a"json:"b"`: true, `session:"a`: true, `session`: true,
		`session:"a" session:"b"`: true, "session:\"a\"\tjson:\"b\"": true,
	} {
		if got := tagProblem(tag) != ""; got != bad {
			t.Errorf("tagProblem(%q) = %q, want bad=%v", tag, tagProblem(tag), bad)
		}
	}
}

func TestNewFunc(t *testing.T) {
	for name, want := range map[string]string{
		"Cart": "NewCartSession", "prefs": "newPrefsSession", "über": "newÜberSession", "x": "newXSession",
	} {
		if got := (&Schema{Name: name}).newFunc(); got != want {
			t.Errorf("newFunc(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestOutputPath(t *testing.T) {
	dir := filepath.FromSlash("/p/app")
	for out, ok := range map[string]bool{
		"": true, "x.go": true, "./x.go": true, filepath.Join(dir, "x.go"): true,
		"sub/x.go": false, "../x.go": false, "/tmp/x.go": false, "x.txt": false, "x_test.go": false,
		"_x.go": false, ".x.go": false, "x": false,
	} {
		path, msg := outputPath(dir, Config{Types: []string{"Cart"}, Output: out})
		if (msg == "") != ok {
			t.Errorf("outputPath(%q) = %q, %q; want ok=%v", out, path, msg, ok)
		}
	}
}
