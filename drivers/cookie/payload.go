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

// The sealed payload (format version 2):
//
//	id       32 bytes (the session ID, decoded from base64url)
//	created  uvarint, Unix milliseconds, rounded up
//	active   uvarint, milliseconds after created, rounded up
//	deadline uvarint, 1 + milliseconds after created, rounded up; 0 for none
//	data     uvarint count, then count × (uvarint len, key, uvarint len, value)
//	flash    the same
//	account  a flags byte (flagOwner, flagDevice, the persistence choice in
//	         persistMask), then the owner (uvarint len, bytes) and its 16-byte
//	         handle if flagOwner, then the device label (uvarint len, bytes)
//	         if flagDevice
//
// Times round up so that a session never ends early. (Version 1 kept them
// in whole seconds: sessions ended up to a second early.)
var errPayload = errors.New("cookie: malformed payload")

const (
	flagOwner   = 1 << 0
	flagDevice  = 1 << 1
	persistMask = 3 << 2 // 1<<2: persistent cookie, 2<<2: browser-session cookie
	handleLen   = 16
)

func marshal(b []byte, rec *runtime.Record) ([]byte, error) {
	var id [32]byte
	if n, err := base64.RawURLEncoding.Decode(id[:], []byte(rec.ID)); err != nil || n != len(id) {
		return nil, fmt.Errorf("cookie: session ID %q is not 32 base64url bytes", rec.ID)
	}
	var handle [handleLen]byte
	if rec.Owner != "" {
		if n, err := base64.RawURLEncoding.Decode(handle[:], []byte(rec.Handle)); err != nil || n != handleLen {
			return nil, fmt.Errorf("cookie: session handle %q is not %d base64url bytes", rec.Handle, handleLen)
		}
	}
	b = append(b, id[:]...)
	created := max(millisUp(rec.Created), 0)
	b = binary.AppendUvarint(b, uint64(created))
	b = binary.AppendUvarint(b, uint64(max(millisUp(rec.Active)-created, 0)))
	var deadline uint64
	if !rec.Deadline.IsZero() {
		deadline = 1 + uint64(max(millisUp(rec.Deadline)-created, 0))
	}
	b = binary.AppendUvarint(b, deadline)
	b = appendMap(b, rec.Data)
	b = appendMap(b, rec.Flash)
	var flags byte
	if rec.Owner != "" {
		flags |= flagOwner
	}
	if rec.Device != "" {
		flags |= flagDevice
	}
	switch {
	case rec.Persist > 0:
		flags |= 1 << 2
	case rec.Persist < 0:
		flags |= 2 << 2
	}
	b = append(b, flags)
	if rec.Owner != "" {
		b = appendChunk(b, rec.Owner)
		b = append(b, handle[:]...)
	}
	if rec.Device != "" {
		b = appendChunk(b, rec.Device)
	}
	return b, nil
}

// millisUp returns t in Unix milliseconds, rounded up.
func millisUp(t time.Time) int64 { return (t.UnixNano() + 999_999) / 1e6 }

func appendMap(b []byte, m map[string][]byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = appendChunk(b, k)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

func appendChunk(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// maxTime bounds stored times in milliseconds, far beyond any real session,
// so that converting them cannot overflow.
const maxTime = 1 << 50

// unmarshal parses a payload. Keys and values point
// into p, which the caller never modifies or reuses afterwards: that is
// what makes the unsafe.String conversions below safe, and saves an
// allocation per key.
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
	if err != nil {
		return nil, err
	}
	deadline, p, err := uvarint(p)
	if err != nil || created > maxTime || active > maxTime || deadline > maxTime {
		return nil, errPayload
	}
	rec.Created = time.UnixMilli(int64(created))
	rec.Active = time.UnixMilli(int64(created + active))
	if deadline > 0 {
		rec.Deadline = time.UnixMilli(int64(created + deadline - 1))
	}
	if rec.Data, p, err = readMap(p); err != nil {
		return nil, err
	}
	if rec.Flash, p, err = readMap(p); err != nil {
		return nil, err
	}
	if p, err = readAccount(rec, p); err != nil {
		return nil, err
	}
	if len(p) != 0 {
		return nil, errPayload
	}
	return rec, nil
}

// readAccount reads the account byte and what it announces into rec.
func readAccount(rec *runtime.Record, p []byte) ([]byte, error) {
	if len(p) == 0 || p[0]&^(flagOwner|flagDevice|persistMask) != 0 || p[0]&persistMask == persistMask {
		return nil, errPayload
	}
	flags := p[0]
	p = p[1:]
	switch flags & persistMask {
	case 1 << 2:
		rec.Persist = 1
	case 2 << 2:
		rec.Persist = -1
	}
	var b []byte
	var err error
	if flags&flagOwner != 0 {
		if b, p, err = chunk(p); err != nil || len(b) == 0 || len(b) > runtime.MaxOwnerLen || len(p) < handleLen {
			return nil, errPayload
		}
		rec.Owner = unsafe.String(unsafe.SliceData(b), len(b))
		rec.Handle = base64.RawURLEncoding.EncodeToString(p[:handleLen])
		p = p[handleLen:]
	}
	if flags&flagDevice != 0 {
		if b, p, err = chunk(p); err != nil || len(b) == 0 || len(b) > runtime.MaxDeviceLen {
			return nil, errPayload
		}
		rec.Device = unsafe.String(unsafe.SliceData(b), len(b))
	}
	return p, nil
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
