package runtime_test

import (
	"bytes"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"strings"
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

func TestDecodeMismatchReadsAbsentAndIsReportedOnce(t *testing.T) {
	var logs strings.Builder
	s := runtime.NewSessionWithLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	runtime.Store(s, "n", 300, runtime.Signed[int64]{})
	for range 3 {
		if v, ok := runtime.Lookup(s, "n", runtime.Signed[int8]{}); ok {
			t.Errorf("300 read as int8: %d", v)
		}
	}
	if n := strings.Count(logs.String(), "overflows"); n != 1 {
		t.Errorf("decode failure logged %d times, want once:\n%s", n, logs.String())
	}
	s.Set("s", []byte{0xa1, 'x'})
	if _, ok := runtime.Lookup(s, "s", runtime.Signed[int64]{}); ok {
		t.Error("a string read as an int")
	}
	if _, err := runtime.Decode(runtime.Signed[int64]{}, []byte{0x01, 0x02}); !errors.Is(err, runtime.ErrDecode) {
		t.Errorf("trailing bytes: %v, want ErrDecode", err)
	}
	if got := runtime.Add(s, "s", 5, runtime.Signed[int64]{}); got != 5 {
		t.Errorf("Add over an undecodable value = %d, want 5", got)
	}
}

func TestTypedGetAllocatesNothing(t *testing.T) {
	s := runtime.NewSession()
	runtime.Store(s, "n", 7, runtime.Signed[int64]{})
	runtime.Store(s, "ok", true, runtime.Bool[bool]{})
	if a := testing.AllocsPerRun(100, func() { runtime.Lookup(s, "n", runtime.Signed[int64]{}) }); a != 0 {
		t.Errorf("Lookup of an int64 allocates %v times", a)
	}
	if a := testing.AllocsPerRun(100, func() { runtime.Lookup(s, "ok", runtime.Bool[bool]{}) }); a != 0 {
		t.Errorf("Lookup of a bool allocates %v times", a)
	}
}

func BenchmarkLookupInt64(b *testing.B) {
	s := runtime.NewSession()
	runtime.Store(s, "n", 7, runtime.Signed[int64]{})
	b.ReportAllocs()
	for b.Loop() {
		runtime.Lookup(s, "n", runtime.Signed[int64]{})
	}
}

func BenchmarkStoreInt64(b *testing.B) {
	s := runtime.NewSession()
	b.ReportAllocs()
	for b.Loop() {
		runtime.Store(s, "n", 7, runtime.Signed[int64]{})
	}
}

// BenchmarkSetDistinctKeys sets n distinct keys in one session: the cost
// per key must not grow with n.
func BenchmarkSetDistinctKeys(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		keys := make([]string, n)
		for i := range keys {
			keys[i] = "k" + strconv.Itoa(i)
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				s := runtime.NewSession()
				for _, k := range keys {
					s.Set(k, []byte{1})
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
		})
	}
}
