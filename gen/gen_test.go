package gen

import (
	"bytes"
	"errors"
	"go/token"
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
