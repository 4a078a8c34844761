package runtime_test

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

type userID int64

func roundTrip[T comparable](t *testing.T, c runtime.Codec[T], v T) {
	t.Helper()
	b, err := runtime.Encode(c, v)
	if err != nil {
		t.Fatalf("Encode(%v): %v", v, err)
	}
	got, err := runtime.Decode(c, b)
	if err != nil || got != v {
		t.Errorf("round trip of %T %v: got %v, %v", v, v, got, err)
	}
}

func TestKindCodecsRoundTrip(t *testing.T) {
	roundTrip(t, runtime.Signed[int64]{}, math.MinInt64)
	roundTrip(t, runtime.Signed[int64]{}, math.MaxInt64)
	roundTrip(t, runtime.Signed[int8]{}, -128)
	roundTrip(t, runtime.Signed[userID]{}, 42)
	roundTrip(t, runtime.Signed[time.Duration]{}, 90*time.Minute)
	roundTrip(t, runtime.Unsigned[uint64]{}, math.MaxUint64)
	roundTrip(t, runtime.Unsigned[uint8]{}, 255)
	roundTrip(t, runtime.Float[float32]{}, 0.1)
	roundTrip(t, runtime.Float[float64]{}, 0.1)
	roundTrip(t, runtime.Float[float64]{}, math.Inf(-1))
	roundTrip(t, runtime.Bool[bool]{}, true)
	roundTrip(t, runtime.String[string]{}, "héllo\x00")
	roundTrip(t, runtime.String[string]{}, "")

	now := time.Now()
	b, _ := runtime.Encode(runtime.Time{}, now)
	got, err := runtime.Decode(runtime.Time{}, b)
	if err != nil || !got.Equal(now) {
		t.Errorf("time: got %v, %v; want %v", got, err, now)
	}
	for _, v := range [][]byte{nil, {}, {0, 1, 2}} {
		b, _ := runtime.Encode(runtime.Bytes[[]byte]{}, v)
		got, err := runtime.Decode(runtime.Bytes[[]byte]{}, b)
		if err != nil || !bytes.Equal(got, v) || (v == nil) != (got == nil) {
			t.Errorf("bytes %v: got %v, %v", v, got, err)
		}
	}
}

func TestValueCodecRoundTrip(t *testing.T) {
	type item struct {
		SKU   string
		Qty   int
		Price float64
		At    time.Time
		Tags  map[string]int
		Next  *item
	}
	in := []item{{SKU: "a", Qty: 2, Price: 1.5, At: time.Unix(1700000000, 5), Tags: map[string]int{"x": 1}, Next: &item{SKU: "b"}}}
	c := runtime.Value[[]item]{}
	b, err := runtime.Encode(c, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := runtime.Decode(c, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 1 || out[0].SKU != "a" || out[0].Qty != 2 || out[0].Price != 1.5 || !out[0].At.Equal(in[0].At) ||
		out[0].Tags["x"] != 1 || out[0].Next == nil || out[0].Next.SKU != "b" {
		t.Errorf("got %+v", out)
	}
}
