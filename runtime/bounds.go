package runtime

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// MaxDepth is how deeply arrays and maps may nest in a stored value. A
// value nested deeper does not decode: it reads as absent. Real schemas
// nest a few levels; the cap exists so that a hostile value cannot
// exhaust the stack.
const MaxDepth = 1000

var (
	errTruncated = errors.New("msgpack value truncated or declaring more than it holds")
	errTooDeep   = fmt.Errorf("msgpack value nested more than %d deep", MaxDepth)
	errBadCode   = errors.New("msgpack value holds the reserved code 0xc1")
)

// checkBounds reports whether b is exactly one well-formed msgpack value
// whose every declared length and count fits in the bytes that follow it,
// nested at most MaxDepth deep, and returns how many values arrays and maps
// hold in it, all levels together: a 5-byte array header cannot make the
// decoder ask for gigabytes, and what each held value may cost is bounded
// by [allocBudget].
func checkBounds(b []byte) (items uint64, err error) {
	var w walk
	rest, err := w.skipValue(b, 0)
	if err != nil {
		return 0, err
	}
	if len(rest) != 0 {
		return 0, fmt.Errorf("%d trailing bytes", len(rest))
	}
	return w.items, nil
}

// A walk counts the values held in containers while it skips them.
type walk struct{ items uint64 }

// skipValue returns what follows the msgpack value at the start of b.
func (w *walk) skipValue(b []byte, depth int) ([]byte, error) {
	if len(b) == 0 {
		return nil, errTruncated
	}
	c, b := b[0], b[1:]
	switch {
	case c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3: // fixint, nil, bool
		return b, nil
	case c <= 0x8f: // fixmap
		return w.skipItems(b, 2*uint64(c&0x0f), depth)
	case c <= 0x9f: // fixarray
		return w.skipItems(b, uint64(c&0x0f), depth)
	case c <= 0xbf: // fixstr
		return skipBytes(b, uint64(c&0x1f))
	}
	switch c {
	case 0xc1:
		return nil, errBadCode
	case 0xc4, 0xd9: // bin8, str8
		return skipSized(b, 1, 0)
	case 0xc5, 0xda: // bin16, str16
		return skipSized(b, 2, 0)
	case 0xc6, 0xdb: // bin32, str32
		return skipSized(b, 4, 0)
	case 0xc7, 0xc8, 0xc9: // ext8, ext16, ext32: length, type, data
		return skipSized(b, 1<<(c-0xc7), 1)
	case 0xcc, 0xd0: // uint8, int8
		return skipBytes(b, 1)
	case 0xcd, 0xd1: // uint16, int16
		return skipBytes(b, 2)
	case 0xca, 0xce, 0xd2: // float32, uint32, int32
		return skipBytes(b, 4)
	case 0xcb, 0xcf, 0xd3: // float64, uint64, int64
		return skipBytes(b, 8)
	case 0xd4, 0xd5, 0xd6, 0xd7, 0xd8: // fixext 1, 2, 4, 8, 16: type, data
		return skipBytes(b, 1+1<<(c-0xd4))
	case 0xdc, 0xdd: // array16, array32
		n, b, err := readLen(b, 2<<(c-0xdc))
		if err != nil {
			return nil, err
		}
		return w.skipItems(b, n, depth)
	case 0xde, 0xdf: // map16, map32
		n, b, err := readLen(b, 2<<(c-0xde))
		if err != nil {
			return nil, err
		}
		return w.skipItems(b, 2*n, depth)
	}
	return nil, errBadCode // unreachable: every code is covered above
}

// skipItems skips n values nested one level below depth. Each takes at
// least a byte, so a count larger than what remains is refused before any
// of them is read.
func (w *walk) skipItems(b []byte, n uint64, depth int) ([]byte, error) {
	if n > uint64(len(b)) {
		return nil, errTruncated
	}
	if n > 0 && depth >= MaxDepth {
		return nil, errTooDeep
	}
	w.items += n
	var err error
	for ; n > 0; n-- {
		if b, err = w.skipValue(b, depth+1); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// skipSized skips a length of size bytes (big-endian), extra bytes (an ext
// type), and that many bytes of data.
func skipSized(b []byte, size, extra int) ([]byte, error) {
	n, b, err := readLen(b, size)
	if err != nil {
		return nil, err
	}
	return skipBytes(b, n+uint64(extra))
}

func readLen(b []byte, size int) (uint64, []byte, error) {
	if len(b) < size {
		return 0, nil, errTruncated
	}
	switch size {
	case 1:
		return uint64(b[0]), b[1:], nil
	case 2:
		return uint64(binary.BigEndian.Uint16(b)), b[2:], nil
	}
	return uint64(binary.BigEndian.Uint32(b)), b[4:], nil
}

func skipBytes(b []byte, n uint64) ([]byte, error) {
	if n > uint64(len(b)) {
		return nil, errTruncated
	}
	return b[n:], nil
}

// maxDecodeAlloc caps what decoding one stored value may allocate beyond
// its bytes: 64 MiB, a thousand times a large session.
const maxDecodeAlloc = 64 << 20

// allocBudget reports an error when items held values, each taking up to
// the largest type T reaches, could make decoding a value of size bytes
// allocate more than 64 times its size (plus 1 MiB) or maxDecodeAlloc:
// a run of one-byte nils decoded as a slice of large structs would
// otherwise allocate the structs.
func allocBudget[T any](items uint64, size int) error {
	if items == 0 {
		return nil
	}
	per := largestOf(reflect.TypeFor[T]())
	limit := min(64*uint64(size)+1<<20, maxDecodeAlloc)
	if per > 0 && items > limit/per {
		return fmt.Errorf("%d values of up to %d bytes each would take more than %d bytes to decode", items, per, limit)
	}
	return nil
}

// largest caches largestOf by type.
var largest sync.Map // reflect.Type → uint64

// largestOf returns the size of the largest type that a value of type t
// reaches (through pointers, elements, keys and fields): what one value
// held in a container may allocate, besides its bytes.
func largestOf(t reflect.Type) uint64 {
	if n, ok := largest.Load(t); ok {
		return n.(uint64)
	}
	seen := make(map[reflect.Type]bool)
	var walk func(t reflect.Type) uint64
	walk = func(t reflect.Type) uint64 {
		if seen[t] {
			return 0
		}
		seen[t] = true
		n := uint64(t.Size())
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			n = max(n, walk(t.Elem()))
		case reflect.Map:
			n = max(n, walk(t.Key())+walk(t.Elem())+16)
		case reflect.Struct:
			for i := range t.NumField() {
				n = max(n, walk(t.Field(i).Type))
			}
		}
		return n
	}
	n := walk(t)
	largest.Store(t, n)
	return n
}
