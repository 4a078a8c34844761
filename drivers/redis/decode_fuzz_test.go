package redis

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sessgen/sessgen/runtime"
)

// FuzzDecodeHash decodes arbitrary session hashes, as anyone who can write
// to Redis may plant them: never a panic, and a record only from a hash
// with a creation time, holding exactly its d: and f: fields.
func FuzzDecodeHash(f *testing.F) {
	f.Add([]byte("c\x001700000000000000000\x00a\x001700000000000000001\x00d:cart\x00\x93\x01\x02\x03\x00f:notice\x00\xa2hi"))
	f.Add([]byte("c\x00x\x00d:k\x00v"))
	f.Add([]byte("a\x00-1\x00c\x00-9223372036854775808"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parts := bytes.Split(b, []byte{0})
		m := make(map[string]string, len(parts)/2)
		for i := 0; i+1 < len(parts); i += 2 {
			m[string(parts[i])] = string(parts[i+1])
		}
		id := runtime.NewID()
		rec := decode(id, m)
		if rec == nil {
			return
		}
		if _, ok := m[fieldCreated]; !ok || rec.ID != id {
			t.Fatalf("record %+v from a hash without a creation time, or under another ID", rec)
		}
		for k, v := range rec.Data {
			if m[dataPrefix+k] != string(v) {
				t.Fatalf("data %q = %q, hash has %q", k, v, m[dataPrefix+k])
			}
		}
		for k, v := range rec.Flash {
			if m[flashPrefix+k] != string(v) {
				t.Fatalf("flash %q = %q, hash has %q", k, v, m[flashPrefix+k])
			}
		}
		for k := range m {
			key, isData := strings.CutPrefix(k, dataPrefix)
			if _, ok := rec.Data[key]; isData && !ok {
				t.Fatalf("data field %q dropped", k)
			}
		}
	})
}
