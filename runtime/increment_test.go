package runtime_test

import (
	"bytes"
	"context"
	"math"
	"math/big"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

// wantSum is the reference for Increment.Apply: old (0 unless it is an
// integer of the type) plus by, wrapped to the type's width, in big-integer
// arithmetic.
func wantSum(old any, by int64, bits int, signed bool) *big.Int {
	x := new(big.Int)
	switch v := old.(type) {
	case int64:
		x.SetInt64(v)
	case uint64:
		x.SetUint64(v)
	}
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(bits)) // [0, 2^bits) or [-2^(bits-1), 2^(bits-1))
	if signed {
		lo.Neg(new(big.Int).Lsh(big.NewInt(1), uint(bits-1)))
		hi.Lsh(big.NewInt(1), uint(bits-1))
	}
	if x.Cmp(lo) < 0 || x.Cmp(hi) >= 0 {
		x.SetInt64(0) // not a value of the type: counts as 0
	}
	mod := new(big.Int).Lsh(big.NewInt(1), uint(bits))
	x.Add(x, big.NewInt(by)).Mod(x, mod)
	if signed && x.Cmp(hi) >= 0 {
		x.Sub(x, mod)
	}
	return x
}

func decodeBig(t *testing.T, b []byte) *big.Int {
	t.Helper()
	var v any
	if err := msgpack.Unmarshal(b, &v); err != nil {
		t.Fatalf("% x: %v", b, err)
	}
	switch v := v.(type) {
	case int64:
		return big.NewInt(v)
	case uint64:
		return new(big.Int).SetUint64(v)
	case int8:
		return big.NewInt(int64(v))
	case int16:
		return big.NewInt(int64(v))
	case int32:
		return big.NewInt(int64(v))
	case uint8:
		return big.NewInt(int64(v))
	case uint16:
		return big.NewInt(int64(v))
	case uint32:
		return big.NewInt(int64(v))
	}
	t.Fatalf("% x decodes to %T", b, v)
	return nil
}

// TestIncrementApplyIsExact checks Apply against big-integer arithmetic
// at every width's edges and at random, with old values in every msgpack
// integer form, of other types, and not integers at all; and that it
// writes the smallest form, as msgpack's encoder does.
func TestIncrementApplyIsExact(t *testing.T) {
	olds := []any{nil, "str", 1.5, int64(0), int64(1), int64(-1), int64(math.MaxInt64), int64(math.MinInt64),
		uint64(math.MaxUint64), uint64(1 << 63), int64(127), int64(128), int64(-128), int64(-129), int64(255),
		int64(256), int64(32767), int64(-32768), int64(65535), int64(1<<31 - 1), int64(-1 << 31), int64(1<<32 - 1)}
	bys := []int64{0, 1, -1, 2, math.MaxInt64, math.MinInt64, 127, -128, 1 << 32, -(1 << 32)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		olds = append(olds, int64(r.Uint64()), r.Uint64())
		bys = append(bys, int64(r.Uint64()))
	}
	for _, old := range olds {
		var b []byte
		if old != nil {
			var err error
			if b, err = msgpack.Marshal(old); err != nil {
				t.Fatal(err)
			}
		}
		for _, by := range bys {
			for _, bits := range []int{8, 16, 32, 64} {
				for _, signed := range []bool{true, false} {
					inc := runtime.Increment{By: uint64(by), Bits: bits, Signed: signed}
					got := inc.Apply(b)
					want := wantSum(old, by, bits, signed)
					if g := decodeBig(t, got); g.Cmp(want) != 0 {
						t.Fatalf("%v + %d as %d-bit signed=%v = %v, want %v", old, by, bits, signed, g, want)
					}
					var canonical []byte
					if want.Sign() < 0 {
						canonical, _ = runtime.Encode(runtime.Signed[int64]{}, want.Int64())
					} else {
						canonical, _ = runtime.Encode(runtime.Unsigned[uint64]{}, want.Uint64())
					}
					if !bytes.Equal(got, canonical) {
						t.Fatalf("%v + %d: % x, want the codecs' smallest form % x", old, by, got, canonical)
					}
				}
			}
		}
	}
}

// recorder is a driver that records what each save was told.
type recorder struct {
	*fakeStore
	last runtime.Changes
}

func (d *recorder) Save(ctx context.Context, name string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	d.last = *ch
	d.last.DataAdd = append([]runtime.Increment(nil), ch.DataAdd...)
	return d.fakeStore.Save(ctx, name, rec, ch)
}

// TestAddReachesTheStoreAsAnIncrement: a request that only adds to a key
// sends the sum of what it added; one that also sets or deletes the key,
// in either order, stores its own result.
func TestAddReachesTheStoreAsAnIncrement(t *testing.T) {
	i64 := runtime.Signed[int64]{}
	d := &recorder{fakeStore: newStore()}
	h := sessiontest.NewHarness(t, d, runtime.Options{})
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "n", int64(10), i64) })
	for _, tc := range []struct {
		name  string
		step  func(s *runtime.Session)
		adds  []runtime.Increment
		value int64
	}{
		{"adds only", func(s *runtime.Session) { runtime.Add(s, "n", 2, i64); runtime.Add(s, "n", -5, i64) },
			[]runtime.Increment{{Key: "n", By: uint64(1<<64 - 3), Bits: 64, Signed: true}}, 7},
		{"set then add", func(s *runtime.Session) { runtime.Store(s, "n", int64(100), i64); runtime.Add(s, "n", 1, i64) }, nil, 101},
		{"add then set", func(s *runtime.Session) { runtime.Add(s, "n", 1, i64); runtime.Store(s, "n", int64(5), i64) }, nil, 5},
		{"delete then add", func(s *runtime.Session) { s.Delete("n"); runtime.Add(s, "n", 3, i64) }, nil, 3},
		{"add then delete", func(s *runtime.Session) { runtime.Add(s, "n", 3, i64); s.Delete("n") }, nil, 0},
	} {
		var seen int64
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			tc.step(s)
			seen, _ = runtime.Lookup(s, "n", i64)
		})
		if got := d.last.DataAdd; len(got) != len(tc.adds) || len(got) > 0 && got[0] != tc.adds[0] {
			t.Errorf("%s: increments %+v, want %+v", tc.name, got, tc.adds)
		}
		if seen != tc.value {
			t.Errorf("%s: the request saw %d, want %d", tc.name, seen, tc.value)
		}
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "n", int64(10), i64) })
	}
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate(); runtime.Add(s, "n", 1, i64) })
	if len(d.last.DataAdd) != 0 || !d.last.Whole() {
		t.Errorf("a whole-record save sent increments %+v", d.last.DataAdd)
	}
}
