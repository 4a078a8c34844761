package gen

import (
	"bytes"
	"path/filepath"
	"testing"

	"golang.org/x/tools/go/packages"
)

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
	if !bytes.HasPrefix(outs[0], []byte(header+"\n")) {
		t.Error("missing header")
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

// loaded is a package after the load stage, with its target.
type loaded struct {
	pkg *packages.Package
	t   *target
}

// loadFor runs the stages of [Run] before the schema is built.
func loadFor(tb testing.TB, dir string, cfg Config) loaded {
	tb.Helper()
	t, err := newTarget(dir, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	pkg, err := load(t.dir, nil, t.stubbed())
	if err != nil {
		tb.Fatal(err)
	}
	t.origin = origin(pkg, cfg)
	return loaded{pkg, t}
}

// generate runs the schema and emit stages of [Run] on l.
func (l loaded) generate(tb testing.TB, names ...string) File {
	tb.Helper()
	schemas, err := build(l.pkg, l.t, names)
	if err != nil {
		tb.Fatal(err)
	}
	src, err := emit(l.pkg.Types, schemas, buildConstraint(schemas))
	if err != nil {
		tb.Fatal(err)
	}
	return File{Path: l.t.path, Content: src, Old: l.t.old}
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
	l := loadFor(b, "../testdata/fifty", Config{Types: []string{"Big"}})
	b.ReportAllocs()
	for b.Loop() {
		l.generate(b, "Big")
	}
}
