package runtime_test

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/runtime"
)

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
