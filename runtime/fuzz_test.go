package runtime_test

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// seeds are stored values a fuzzer starts from: each kind's encoding and
// the hostile headers of TestHostileValuesAreBounded.
func seeds(f *testing.F) {
	for _, b := range [][]byte{
		{0x05}, {0xe0}, {0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, {0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0},
		{0xcb, 0x3f, 0xb9, 0x99, 0x99, 0x99, 0x99, 0x99, 0x9a}, {0xc3}, {0xa3, 'a', 'b', 'c'}, {0xc4, 0x01, 0x00},
		{0xd6, 0xff, 0, 0, 0, 1}, {0x91, 0x93, 0xa1, 'x', 0x02, 0xc0}, {0x81, 0xa1, 'k', 0x91, 0x01},
		{0xdd, 0xff, 0xff, 0xff, 0xff}, {0xc6, 0xff, 0xff, 0xff, 0xff}, nested(40),
	} {
		f.Add(b)
	}
}

// roundTrips checks that a decoded value encodes to bytes that decode to
// the same value.
func roundTrips[T any](t *testing.T, c runtime.Codec[T], v T, equal func(a, b T) bool) {
	t.Helper()
	b, err := runtime.Encode(c, v)
	if err != nil {
		t.Fatalf("re-encoding %v: %v", v, err)
	}
	w, err := runtime.Decode(c, b)
	if err != nil || !equal(v, w) {
		t.Fatalf("%v encodes to % x, which decodes to %v, %v", v, b, w, err)
	}
}

func same[T comparable](a, b T) bool { return a == b }

// FuzzDecodeKinds decodes arbitrary bytes with every kind codec: never a
// panic, and whatever decodes survives a round trip unchanged.
func FuzzDecodeKinds(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := runtime.Decode(runtime.Signed[int64]{}, b); err == nil {
			roundTrips(t, runtime.Signed[int64]{}, v, same)
		}
		if v, err := runtime.Decode(runtime.Signed[int8]{}, b); err == nil {
			roundTrips(t, runtime.Signed[int8]{}, v, same)
		}
		if v, err := runtime.Decode(runtime.Unsigned[uint64]{}, b); err == nil {
			roundTrips(t, runtime.Unsigned[uint64]{}, v, same)
		}
		if v, err := runtime.Decode(runtime.Unsigned[uint16]{}, b); err == nil {
			roundTrips(t, runtime.Unsigned[uint16]{}, v, same)
		}
		sameFloat := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
		if v, err := runtime.Decode(runtime.Float[float64]{}, b); err == nil {
			roundTrips(t, runtime.Float[float64]{}, v, sameFloat)
		}
		if v, err := runtime.Decode(runtime.Float[float32]{}, b); err == nil {
			roundTrips(t, runtime.Float[float32]{}, v, func(a, b float32) bool { return sameFloat(float64(a), float64(b)) })
		}
		if v, err := runtime.Decode(runtime.Bool[bool]{}, b); err == nil {
			roundTrips(t, runtime.Bool[bool]{}, v, same)
		}
		if v, err := runtime.Decode(runtime.String[string]{}, b); err == nil {
			roundTrips(t, runtime.String[string]{}, v, same)
		}
		if v, err := runtime.Decode(runtime.Bytes[[]byte]{}, b); err == nil {
			roundTrips(t, runtime.Bytes[[]byte]{}, v, func(a, b []byte) bool { return bytes.Equal(a, b) && (a == nil) == (b == nil) })
		}
		if v, err := runtime.Decode(runtime.Time{}, b); err == nil {
			roundTrips(t, runtime.Time{}, v, time.Time.Equal)
		}
	})
}

// FuzzDecodeValue decodes arbitrary bytes with the reflection codec into
// composite types, recursive ones included: never a panic, and whatever
// decodes survives a round trip unchanged.
func FuzzDecodeValue(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		if v, err := runtime.Decode(runtime.Value[[]line]{}, b); err == nil {
			roundTrips(t, runtime.Value[[]line]{}, v, func(a, b []line) bool { return reflect.DeepEqual(a, b) })
		}
		if v, err := runtime.Decode(runtime.Value[map[string][]int]{}, b); err == nil {
			roundTrips(t, runtime.Value[map[string][]int]{}, v, func(a, b map[string][]int) bool { return reflect.DeepEqual(a, b) })
		}
		if v, err := runtime.Decode(runtime.Value[tree]{}, b); err == nil {
			roundTrips(t, runtime.Value[tree]{}, v, func(a, b tree) bool { return reflect.DeepEqual(a, b) })
		}
		if v, err := runtime.Decode(runtime.Value[[4]uint16]{}, b); err == nil {
			roundTrips(t, runtime.Value[[4]uint16]{}, v, same)
		}
	})
}
