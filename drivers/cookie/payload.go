package cookie

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unsafe"

	"github.com/sessgen/sessgen/runtime"
)

// The sealed payload:
//
//	id       32 bytes (the session ID, decoded from base64url)
//	created  uvarint, Unix seconds
//	active   uvarint, seconds after created
//	data     uvarint count, then count × (uvarint len, key, uvarint len, value)
//	flash    the same
var errPayload = errors.New("cookie: malformed payload")

func marshal(b []byte, rec *runtime.Record) ([]byte, error) {
	var id [32]byte
	if n, err := base64.RawURLEncoding.Decode(id[:], []byte(rec.ID)); err != nil || n != len(id) {
		return nil, fmt.Errorf("cookie: session ID %q is not 32 base64url bytes", rec.ID)
	}
	b = append(b, id[:]...)
	created := rec.Created.Unix()
	b = binary.AppendUvarint(b, uint64(max(created, 0)))
	b = binary.AppendUvarint(b, uint64(max(rec.Active.Unix()-created, 0)))
	b = appendMap(b, rec.Data)
	b = appendMap(b, rec.Flash)
	return b, nil
}

func appendMap(b []byte, m map[string][]byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// unmarshal parses a payload. Keys and values point into p, which the
// caller never modifies or reuses afterwards: that is what makes the
// unsafe.String conversions below safe, and saves an allocation per key.
func unmarshal(p []byte) (*runtime.Record, error) {
	if len(p) < 32 {
		return nil, errPayload
	}
	var id [runtime.IDLen]byte
	base64.RawURLEncoding.Encode(id[:], p[:32])
	rec := &runtime.Record{ID: string(id[:])}
	p = p[32:]
	created, p, err := uvarint(p)
	if err != nil {
		return nil, err
	}
	active, p, err := uvarint(p)
	if err != nil || created > 1<<40 || active > 1<<40 {
		return nil, errPayload
	}
	rec.Created = time.Unix(int64(created), 0)
	rec.Active = time.Unix(int64(created+active), 0)
	if rec.Data, p, err = readMap(p); err != nil {
		return nil, err
	}
	if rec.Flash, p, err = readMap(p); err != nil {
		return nil, err
	}
	if len(p) != 0 {
		return nil, errPayload
	}
	return rec, nil
}

func readMap(p []byte) (map[string][]byte, []byte, error) {
	n, p, err := uvarint(p)
	if err != nil || n > uint64(len(p)/2) { // every entry takes at least two bytes
		return nil, nil, errPayload
	}
	if n == 0 {
		return nil, p, nil
	}
	m := make(map[string][]byte, n)
	for range n {
		var k, v []byte
		if k, p, err = chunk(p); err != nil {
			return nil, nil, err
		}
		if v, p, err = chunk(p); err != nil {
			return nil, nil, err
		}
		m[unsafe.String(unsafe.SliceData(k), len(k))] = v
	}
	return m, p, nil
}

func uvarint(p []byte) (uint64, []byte, error) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, nil, errPayload
	}
	return v, p[n:], nil
}

// chunk reads a length-prefixed byte string; its capacity is its length so
// that appending to it can never overwrite what follows.
func chunk(p []byte) ([]byte, []byte, error) {
	l, p, err := uvarint(p)
	if err != nil || l > uint64(len(p)) {
		return nil, nil, errPayload
	}
	return p[:l:l], p[l:], nil
}
