package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/cmd/sessgen/internal/modtest"
)

// TestEndToEnd generates accessors for testdata/allkinds (a field of every
// supported kind) into a fresh module, then builds and runs that module's
// test (e2eProgram), which makes real HTTPS round trips through
// runtime.Manager's middleware with the memory driver.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a module")
	}
	schema := modtest.Read(t, filepath.Join(repoRoot(t), "testdata", "allkinds", "schema.go"))
	schema = strings.Replace(schema, "package allkinds", "package app", 1)
	dir := tempModule(t, map[string]string{"schema.go": schema, "app_test.go": e2eProgram})
	mustRun(t, dir, "-type", "Kinds")
	modtest.MustGo(t, dir, "vet", ".")
	out := modtest.MustGo(t, dir, "test", "-count=1", "-v", ".")
	if !strings.Contains(out, "--- PASS: TestRoundTrips") {
		t.Errorf("inner test did not pass:\n%s", out)
	}
}

// TestMisspelledAccessor proves that keys are checked at compile time: a
// program calling SetCartId instead of SetCartID does not build, and the
// compiler names the misspelling.
func TestMisspelledAccessor(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	dir := tempModule(t, map[string]string{"cart.go": cartSchema})
	mustRun(t, dir, "-type", "Cart")
	modtest.Put(t, filepath.Join(dir, "use.go"), `package app

import "github.com/sessgen/sessgen/runtime"

func use() {
	sess := NewCartSession(runtime.NewSession())
	sess.SetCartId(1)
}
`)
	out, err := modtest.Go(dir, "build", ".")
	if err == nil {
		t.Fatal("go build succeeded with a misspelled accessor")
	}
	if !strings.Contains(out, "sess.SetCartId undefined") || !strings.Contains(out, "SetCartID") {
		t.Errorf("compiler output does not name the misspelling:\n%s", out)
	}
}

// e2eProgram is the test that runs inside the generated module.
const e2eProgram = `package app

import (
	"image"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/runtime"
)

// sample has a non-zero value in every field. Times come from time.Unix,
// as decoded times do (local zone, no monotonic reading), so that
// reflect.DeepEqual holds; time fields are also compared with Equal.
func sample() Kinds {
	at := time.Unix(1700000000, 123456789)
	line := Line{SKU: "tea", Qty: 2, Price: 3.5, Added: at, Attrs: map[string]string{"size": "L"},
		Next: &Line{SKU: "cup", Qty: 1, Price: 0.25, Added: at.Add(time.Hour)}}
	n := 42
	return Kinds{
		Bool: true, Int: -1 << 40, Int8: -8, Int16: -16, Int32: -32, Int64: -1 << 62,
		Uint: 1 << 40, Uint8: 255, Uint16: 65535, Uint32: 1 << 31, Uint64: 1<<64 - 1, Uintptr: 77,
		Byte: 'b', Rune: 'é', Float32: 1.5, Float64: 3.141592653589793, String: "héllo",
		Bytes: []byte{0, 1, 2, 255}, Time: at, Duration: 90 * time.Second,
		Flag: true, Count: -7, Size: 9, Ratio: 0.75, Name: "named", Blob: Blob("blob"),
		Seconds: Seconds(time.Minute), Stamp: at.Add(-time.Hour),
		Ints: []int{1, -2, 3}, Matrix: [2][3]int8{{1, 2, 3}, {4, 5, 6}},
		ByName: map[string]int{"a": 1, "b": 2}, ByID: map[int64]Line{7: line},
		ByCount: map[Count][]Name{3: {"x", "y"}}, Line: line, LinePtr: &line,
		Point: image.Pt(3, 4), Rect: image.Rect(0, 0, 10, 20), Lines: []Line{line, line},
		Times: []time.Time{at, at.Add(time.Second)}, Tags: Tags{"t1", "t2"},
		Nested: map[string][]map[string]*Line{"k": {{"in": &line}}},
		Anon: struct{ A, B int }{1, 2}, IntPtr: &n, BlobList: [][]byte{{1}, {2, 3}},
		Notice: "saved", Alert: line, Errs: []string{"e1", "e2"}, Until: at.Add(24 * time.Hour), Counter: 5,
	}
}

func setData(s KindsSession, v Kinds) {
	s.SetBool(v.Bool); s.SetInt(v.Int); s.SetInt8(v.Int8); s.SetInt16(v.Int16); s.SetInt32(v.Int32)
	s.SetInt64(v.Int64); s.SetUint(v.Uint); s.SetUint8(v.Uint8); s.SetUint16(v.Uint16); s.SetUint32(v.Uint32)
	s.SetUint64(v.Uint64); s.SetUintptr(v.Uintptr); s.SetByte(v.Byte); s.SetRune(v.Rune)
	s.SetFloat32(v.Float32); s.SetFloat64(v.Float64); s.SetString(v.String); s.SetBytes(v.Bytes)
	s.SetTime(v.Time); s.SetDuration(v.Duration); s.SetFlag(v.Flag); s.SetCount(v.Count); s.SetSize(v.Size)
	s.SetRatio(v.Ratio); s.SetName(v.Name); s.SetBlob(v.Blob); s.SetSeconds(v.Seconds); s.SetStamp(v.Stamp)
	s.SetInts(v.Ints); s.SetMatrix(v.Matrix); s.SetByName(v.ByName); s.SetByID(v.ByID); s.SetByCount(v.ByCount)
	s.SetLine(v.Line); s.SetLinePtr(v.LinePtr); s.SetPoint(v.Point); s.SetRect(v.Rect); s.SetLines(v.Lines)
	s.SetTimes(v.Times); s.SetTags(v.Tags); s.SetNested(v.Nested); s.SetAnon(v.Anon); s.SetIntPtr(v.IntPtr)
	s.SetBlobList(v.BlobList)
}

func flashAll(s KindsSession, v Kinds) {
	s.FlashNotice(v.Notice); s.FlashAlert(v.Alert); s.FlashErrs(v.Errs); s.FlashUntil(v.Until); s.FlashCounter(v.Counter)
}

func withoutFlash(v Kinds) Kinds {
	v.Notice, v.Alert, v.Errs, v.Until, v.Counter = "", Line{}, nil, time.Time{}, 0
	return v
}

func check(t *testing.T, step string, got, want Kinds) {
	t.Helper()
	for _, tm := range [][2]time.Time{{got.Time, want.Time}, {got.Stamp, want.Stamp}, {got.Until, want.Until}, {got.Line.Added, want.Line.Added}} {
		if !tm[0].Equal(tm[1]) {
			t.Errorf("%s: time %v, want %v", step, tm[0], tm[1])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: All() =\n%#v\nwant\n%#v", step, got, want)
	}
}

func TestRoundTrips(t *testing.T) {
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := sample()
	var ids []string
	steps := map[string]func(t *testing.T, s KindsSession){
		"set": func(t *testing.T, s KindsSession) {
			setData(s, want)
			flashAll(s, want)
			check(t, "set (same request)", s.All(), want)
		},
		"read1": func(t *testing.T, s KindsSession) {
			check(t, "next request", s.All(), want)
			if !s.HasNotice() || s.Notice() != "saved" || !s.HasInt64() {
				t.Error("read1: flash or data missing")
			}
			if v, ok := s.LookupUntil(); !ok || !v.Equal(want.Until) {
				t.Errorf("read1: LookupUntil = %v, %v", v, ok)
			}
		},
		"read2": func(t *testing.T, s KindsSession) {
			check(t, "second request after the flash", s.All(), withoutFlash(want))
			if s.HasNotice() || s.HasAlert() || s.HasErrs() || s.HasUntil() || s.HasCounter() {
				t.Error("read2: flash values outlived the next request")
			}
		},
		"ops": func(t *testing.T, s KindsSession) {
			if got := s.IncrementInt(5); got != want.Int+5 {
				t.Errorf("IncrementInt = %d", got)
			}
			if got := s.DecrementCount(3); got != want.Count-3 {
				t.Errorf("DecrementCount = %d", got)
			}
			s.DeleteUint16()
			if s.HasUint16() || s.Uint16() != 0 {
				t.Error("DeleteUint16 did not delete")
			}
			if got := s.IncrementUint16(2); got != 2 {
				t.Errorf("IncrementUint16 on a missing value = %d, want 2", got)
			}
			s.SetUint8(0)
			if got := s.DecrementUint8(1); got != 255 {
				t.Errorf("DecrementUint8 from 0 = %d, want 255 (wraps)", got)
			}
			if v, ok := s.PullString(); !ok || v != want.String {
				t.Errorf("PullString = %q, %v", v, ok)
			}
			if _, ok := s.LookupString(); ok {
				t.Error("PullString did not delete")
			}
			s.NowNotice("only now")
			if s.Notice() != "only now" {
				t.Error("NowNotice not readable in its request")
			}
			s.FlashCounter(9)
		},
		"ops2": func(t *testing.T, s KindsSession) {
			if s.Int() != want.Int+5 || s.Count() != want.Count-3 || s.Uint16() != 2 || s.Uint8() != 255 || s.HasString() {
				t.Errorf("ops did not persist: %d %d %d %d %v", s.Int(), s.Count(), s.Uint16(), s.Uint8(), s.HasString())
			}
			if s.HasNotice() {
				t.Error("NowNotice outlived its request")
			}
			if s.Counter() != 9 {
				t.Errorf("Counter = %d, want 9", s.Counter())
			}
			s.KeepCounter()
		},
		"kept": func(t *testing.T, s KindsSession) {
			if s.Counter() != 9 {
				t.Errorf("KeepCounter: Counter = %d, want 9", s.Counter())
			}
			s.FlashNotice("again")
			s.Reflash()
		},
		"reflashed": func(t *testing.T, s KindsSession) {
			if s.Counter() != 9 || s.Notice() != "again" {
				t.Errorf("Reflash: Counter = %d, Notice = %q", s.Counter(), s.Notice())
			}
			s.DeleteNotice()
			if s.HasNotice() {
				t.Error("DeleteNotice did not delete")
			}
		},
		"regenerate": func(t *testing.T, s KindsSession) {
			if s.HasNotice() {
				t.Error("DeleteNotice did not persist")
			}
			ids = append(ids, s.ID())
			s.SetOwner("user-1")
			s.Regenerate()
			ids = append(ids, s.ID())
		},
		"regenerated": func(t *testing.T, s KindsSession) {
			if s.ID() != ids[1] || ids[0] == ids[1] {
				t.Errorf("Regenerate: IDs %v, now %s", ids, s.ID())
			}
			if s.Owner() != "user-1" {
				t.Errorf("Owner = %q after SetOwner and Regenerate", s.Owner())
			}
			if s.Int() != want.Int+5 {
				t.Error("Regenerate lost the values")
			}
			s.Reset()
			check(t, "after Reset", s.All(), Kinds{})
		},
		"reset": func(t *testing.T, s KindsSession) {
			check(t, "request after Reset", s.All(), Kinds{})
			s.SetName("back")
			ids = append(ids, s.ID())
		},
		"invalidate": func(t *testing.T, s KindsSession) {
			if s.Name() != "back" {
				t.Errorf("Name = %q", s.Name())
			}
			s.Invalidate()
		},
		"invalidated": func(t *testing.T, s KindsSession) {
			if s.HasName() || s.ID() == ids[2] {
				t.Errorf("Invalidate: Name %q, ID %s (was %s)", s.Name(), s.ID(), ids[2])
			}
			if s.Owner() != "" {
				t.Errorf("Owner = %q after Invalidate", s.Owner())
			}
			if s.Raw() == nil {
				t.Error("Raw is nil")
			}
		},
	}
	srv := httptest.NewTLSServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := KindsSessionFrom(r.Context())
		if err != nil {
			t.Errorf("KindsSessionFrom: %v", err)
			return
		}
		steps[r.URL.Query().Get("step")](t, s)
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	for _, step := range []string{"set", "read1", "read2", "ops", "ops2", "kept", "reflashed", "regenerate",
		"regenerated", "reset", "invalidate", "invalidated"} {
		resp, err := c.Get(srv.URL + "/?step=" + step)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", step, resp.StatusCode)
		}
	}
}
`
