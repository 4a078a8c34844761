package cookie_test

import (
	"bytes"
	"encoding/base64"
	"maps"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/runtime"
)

// FuzzLoad feeds arbitrary cookie values to the decoder: it must never
// panic, and anything it accepts must have been sealed by this key.
func FuzzLoad(f *testing.F) {
	d, err := cookie.New(secret1)
	if err != nil {
		f.Fatal(err)
	}
	// Fixed contents: the fuzzing workers rerun this setup and must agree.
	rec := &runtime.Record{ID: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Created: time.Unix(1e9, 0), Active: time.Unix(1e9+5, 0),
		Data: map[string][]byte{"a": {1}, "b": {0xa1, 'x'}}, Flash: map[string][]byte{"f": {0xc3}}}
	valid, err := d.Save(f.Context(), "session", rec, &runtime.Changes{})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add("")
	f.Add("AQ")
	f.Add(valid[:len(valid)-1])
	f.Fuzz(func(t *testing.T, token string) {
		got, err := d.Load(t.Context(), "session", token)
		if err != nil {
			t.Fatalf("Load returned an error for untrusted input: %v", err)
		}
		if got != nil {
			// AES-GCM forgery is out of reach for a fuzzer: only values this
			// key sealed, that is the seed record, may load.
			if got.ID != rec.ID || !maps.EqualFunc(got.Data, rec.Data, bytes.Equal) {
				t.Fatalf("accepted a forged cookie %q", token)
			}
		}
	})
}

// FuzzRoundTrip seals arbitrary records and checks they load back equal,
// with times rounded up to the millisecond.
func FuzzRoundTrip(f *testing.F) {
	d, err := cookie.New(secret1)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("k", []byte{1, 2}, "f", []byte{}, int64(1e18), uint64(60e9), "user-1", "Firefox", int8(1))
	f.Add("", []byte{}, "", []byte(nil), int64(1), uint64(1), "", "", int8(0))
	f.Fuzz(func(t *testing.T, k string, v []byte, fk string, fv []byte, created int64, idle uint64, owner, device string, persist int8) {
		if created < 0 || created > 1<<62 || idle > 1<<50 || len(owner) > runtime.MaxOwnerLen || len(device) > runtime.MaxDeviceLen || persist < -1 || persist > 1 {
			return
		}
		rec := &runtime.Record{ID: runtime.NewID(), Created: time.Unix(0, created), Active: time.Unix(0, created+int64(idle)),
			Deadline: time.Unix(0, created+2*int64(idle)),
			Data:     map[string][]byte{k: v}, Flash: map[string][]byte{fk: fv}, Owner: owner, Device: device, Persist: persist}
		if owner != "" {
			rec.Handle = base64.RawURLEncoding.EncodeToString([]byte("0123456789abcdef"))
		}
		token, err := d.Save(t.Context(), "n", rec, &runtime.Changes{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Load(t.Context(), "n", token)
		if err != nil || got == nil {
			t.Fatalf("sealed record did not load: %v", err)
		}
		if got.ID != rec.ID || !maps.EqualFunc(got.Data, rec.Data, bytes.Equal) || !maps.EqualFunc(got.Flash, rec.Flash, bytes.Equal) ||
			got.Owner != rec.Owner || got.Handle != rec.Handle || got.Device != rec.Device || got.Persist != rec.Persist {
			t.Fatalf("round trip: got %+v, want %+v", got, rec)
		}
		for _, tt := range [][2]time.Time{{got.Created, rec.Created}, {got.Active, rec.Active}, {got.Deadline, rec.Deadline}} {
			if d := tt[0].Sub(tt[1]); d < 0 || d >= time.Millisecond {
				t.Fatalf("time %v loaded as %v: want it rounded up to the millisecond", tt[1], tt[0])
			}
		}
	})
}
