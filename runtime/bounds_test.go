package runtime_test

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/sessgen/sessgen/runtime"
)

// tree nests without end, as a schema's recursive type may.
type tree []tree

type line struct {
	SKU  string
	Qty  int
	Next *line
}

// nested returns n array headers of one element around a nil.
func nested(n int) []byte { return append(bytes.Repeat([]byte{0x91}, n), 0xc0) }

// decodeAny decodes b with the codec of each kind and of composite values,
// as stored values under keys of those types would be.
func decodeAny(b []byte) (errs []error) {
	add := func(_ any, err error) { errs = append(errs, err) }
	add(runtime.Decode(runtime.Signed[int64]{}, b))
	add(runtime.Decode(runtime.Unsigned[uint64]{}, b))
	add(runtime.Decode(runtime.Float[float64]{}, b))
	add(runtime.Decode(runtime.Bool[bool]{}, b))
	add(runtime.Decode(runtime.String[string]{}, b))
	add(runtime.Decode(runtime.Bytes[[]byte]{}, b))
	add(runtime.Decode(runtime.Time{}, b))
	add(runtime.Decode(runtime.Value[[]line]{}, b))
	add(runtime.Decode(runtime.Value[map[string][]int]{}, b))
	add(runtime.Decode(runtime.Value[tree]{}, b))
	add(runtime.Decode(runtime.Value[[4]uint16]{}, b))
	return errs
}

// TestHostileValuesAreBounded: a value whose headers declare more than it
// holds, or that nests without end, is a decode error for every codec,
// found before the decoder allocates for it. Before the bounds check the
// array32 header asked for ~100 GB and killed the process, and the deep
// nesting overflowed the stack.
func TestHostileValuesAreBounded(t *testing.T) {
	for name, b := range map[string][]byte{
		"array32 of 4G":       {0xdd, 0xff, 0xff, 0xff, 0xff},
		"array16 of 64K":      {0xdc, 0xff, 0xff, 0xc0},
		"map32 of 4G":         {0xdf, 0xff, 0xff, 0xff, 0xff},
		"bin32 of 4 GiB":      {0xc6, 0xff, 0xff, 0xff, 0xff},
		"str32 of 4 GiB":      {0xdb, 0xff, 0xff, 0xff, 0xff, 'x'},
		"ext32 of 4 GiB":      {0xc9, 0xff, 0xff, 0xff, 0xff, 0xff},
		"nested 2M deep":      nested(2_000_000),
		"nested past the cap": nested(runtime.MaxDepth + 1),
		"reserved code":       {0x91, 0xc1},
		"empty":               {},
	} {
		var before, after goruntime.MemStats
		goruntime.ReadMemStats(&before)
		for i, err := range decodeAny(b) {
			if !errors.Is(err, runtime.ErrDecode) {
				t.Errorf("%s, codec %d: err = %v, want ErrDecode", name, i, err)
			}
		}
		goruntime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20+uint64(len(b)) {
			t.Errorf("%s: decoding allocated %d bytes for a %d-byte value", name, n, len(b))
		}
	}
}

// TestNestingUpToTheCapDecodes: the cap is far above real schemas, and a
// value exactly at it still reads.
func TestNestingUpToTheCapDecodes(t *testing.T) {
	if _, err := runtime.Decode(runtime.Value[tree]{}, nested(runtime.MaxDepth)); err != nil {
		t.Errorf("%d levels: %v", runtime.MaxDepth, err)
	}
	in := &line{SKU: "a", Next: &line{SKU: "b", Next: &line{SKU: "c"}}}
	b, err := runtime.Encode(runtime.Value[*line]{}, in)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := runtime.Decode(runtime.Value[*line]{}, b); err != nil || out.Next.Next.SKU != "c" {
		t.Errorf("a linked list: %+v, %v", out, err)
	}
}

// TestHostileStoredValueReadsAsAbsent goes through the session, as a
// planted Redis value or a cookie sealed with a leaked secret would: the
// read is absent, reported once, and never panics.
func TestHostileStoredValueReadsAsAbsent(t *testing.T) {
	var logs strings.Builder
	s := runtime.NewSessionWithLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	s.Set("items", []byte{0xdd, 0xff, 0xff, 0xff, 0xff})
	for range 2 {
		if v, ok := runtime.Lookup(s, "items", runtime.Value[[]line]{}); ok || v != nil {
			t.Errorf("hostile value read as %v, %v", v, ok)
		}
	}
	if n := strings.Count(logs.String(), `key \"items\"`); n != 1 {
		t.Errorf("reported %d times, want once:\n%s", n, logs.String())
	}
}

// TestKindCodecsDecodeOnlyTheirKind: a stored value of another kind, or
// one its type cannot hold exactly, does not decode as a different value.
func TestKindCodecsDecodeOnlyTheirKind(t *testing.T) {
	enc := func(v any) []byte {
		b, err := msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	fails := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, runtime.ErrDecode) {
			t.Errorf("%s: err = %v, want ErrDecode", what, err)
		}
	}
	decodes := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	_, err := runtime.Decode(runtime.Signed[int64]{}, enc(uint64(math.MaxUint64)))
	fails("MaxUint64 as int64 (msgpack alone reads -1)", err)
	_, err = runtime.Decode(runtime.Unsigned[uint64]{}, enc(int64(-1)))
	fails("-1 as uint64 (msgpack alone reads MaxUint64)", err)
	_, err = runtime.Decode(runtime.Unsigned[uint8]{}, enc(256))
	fails("256 as uint8", err)
	_, err = runtime.Decode(runtime.Signed[int8]{}, enc(-129))
	fails("-129 as int8", err)
	_, err = runtime.Decode(runtime.Signed[int64]{}, enc(nil))
	fails("nil as int64", err)
	_, err = runtime.Decode(runtime.Signed[int64]{}, enc(1.5))
	fails("1.5 as int64", err)
	_, err = runtime.Decode(runtime.Float[float64]{}, enc(int64(1<<53+1)))
	fails("2^53+1 as float64", err)
	_, err = runtime.Decode(runtime.Float[float32]{}, enc(0.1))
	fails("float64 0.1 as float32", err)
	_, err = runtime.Decode(runtime.Float[float64]{}, enc(nil))
	fails("nil as float64", err)
	_, err = runtime.Decode(runtime.Bool[bool]{}, enc(nil))
	fails("nil as bool", err)
	_, err = runtime.Decode(runtime.String[string]{}, enc(nil))
	fails("nil as string", err)
	_, err = runtime.Decode(runtime.Time{}, enc("2024-01-02T03:04:05Z"))
	fails("a string as time", err)

	v, err := runtime.Decode(runtime.Signed[int64]{}, enc(uint8(200)))
	decodes("uint8 as int64", err)
	if v != 200 {
		t.Errorf("uint8 200 as int64 = %d", v)
	}
	f, err := runtime.Decode(runtime.Float[float64]{}, enc(int64(-1<<53)))
	decodes("-2^53 as float64", err)
	if f != -1<<53 {
		t.Errorf("-2^53 as float64 = %v", f)
	}
	f32, err := runtime.Decode(runtime.Float[float32]{}, enc(float64(0.5)))
	decodes("float64 0.5 as float32", err)
	if f32 != 0.5 {
		t.Errorf("0.5 as float32 = %v", f32)
	}
	nan, err := runtime.Decode(runtime.Float[float32]{}, enc(math.NaN()))
	decodes("NaN as float32", err)
	if !math.IsNaN(float64(nan)) {
		t.Errorf("NaN as float32 = %v", nan)
	}
	_, err = runtime.Decode(runtime.Time{}, enc(time.Unix(1, 2)))
	decodes("a timestamp", err)
	s, err := runtime.Decode(runtime.String[string]{}, enc([]byte("bin")))
	decodes("bin as string", err)
	if s != "bin" {
		t.Errorf("bin as string = %q", s)
	}
}

type wideItem struct {
	SKU, Name, Note, Colour, Size, Ref, Src, Promo string
	Qty, Price, Tax, Ship                          int64
}

// TestHeldValuesAreBudgeted: a run of one-byte nils decoded as a slice of
// large structs allocates a struct per byte. Before the budget, a 1 MiB
// value allocated 320 MB; it is now refused, while a real slice of such
// structs still decodes.
func TestHeldValuesAreBudgeted(t *testing.T) {
	n := 1 << 20
	b := append([]byte{0xdd, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, bytes.Repeat([]byte{0xc0}, n)...)
	var before, after goruntime.MemStats
	goruntime.ReadMemStats(&before)
	_, err := runtime.Decode(runtime.Value[[]wideItem]{}, b)
	goruntime.ReadMemStats(&after)
	if !errors.Is(err, runtime.ErrDecode) {
		t.Errorf("a million nils as []wideItem: %v, want ErrDecode", err)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 16<<20 {
		t.Errorf("refusing it allocated %d MB", got>>20)
	}
	real := make([]wideItem, 200)
	for i := range real {
		real[i] = wideItem{SKU: "sku", Qty: int64(i)}
	}
	enc, err := runtime.Encode(runtime.Value[[]wideItem]{}, real)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := runtime.Decode(runtime.Value[[]wideItem]{}, enc); err != nil || len(got) != 200 || got[199].Qty != 199 {
		t.Errorf("200 real items: %d, %v", len(got), err)
	}
}

// TestReflectionPanicsAreErrors: msgpack's reflection panics when a
// decoded map key is of a type Go cannot hash; Decode turns that into an
// error.
func TestReflectionPanicsAreErrors(t *testing.T) {
	b := []byte{0x81, 0x91, 0x01, 0x01} // {[1]: 1}
	if _, err := runtime.Decode(runtime.Value[map[any]int]{}, b); !errors.Is(err, runtime.ErrDecode) {
		t.Errorf("an array as a map[any]int key: %v, want ErrDecode", err)
	}
	if _, err := runtime.Decode(runtime.Value[map[any]int]{}, []byte{0x81, 0x01, 0x02}); err != nil {
		t.Errorf("the decoder is usable after a recovered panic: %v", err)
	}
}
