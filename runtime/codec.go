package runtime

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// A Codec converts values of one Go type to and from msgpack. Generated code
// picks one per field: the kind codecs below for basic kinds (no reflection)
// and [Value] for composite types.
type Codec[T any] interface {
	Encode(e *msgpack.Encoder, v T) error
	Decode(d *msgpack.Decoder) (T, error)
}

// The kind codecs decode only their own kind of msgpack value, and only
// values that fit their type exactly: a stored value that a schema change
// made meaningless reads as absent rather than as a different value (an
// integer that no longer fits, a negative number read as unsigned, a nil
// read as zero).

// Signed is the codec of types whose underlying type is a signed integer.
// It decodes a msgpack integer whose value T holds.
type Signed[T ~int | ~int8 | ~int16 | ~int32 | ~int64] struct{}

// Encode writes v in the smallest msgpack integer form.
func (Signed[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeInt(int64(v)) }

// Decode reads an integer and checks that it fits T.
func (Signed[T]) Decode(d *msgpack.Decoder) (T, error) {
	n, neg, err := decodeInteger(d)
	if err != nil {
		return 0, err
	}
	if v := int64(n); neg != (v < 0) || int64(T(v)) != v {
		return 0, fmt.Errorf("%s overflows %T", formatInteger(n, neg), T(0))
	}
	return T(int64(n)), nil
}

// Unsigned is the codec of types whose underlying type is an unsigned
// integer. It decodes a non-negative msgpack integer whose value T holds.
type Unsigned[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr] struct{}

// Encode writes v in the smallest msgpack integer form.
func (Unsigned[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeUint(uint64(v)) }

// Decode reads an integer and checks that it fits T.
func (Unsigned[T]) Decode(d *msgpack.Decoder) (T, error) {
	n, neg, err := decodeInteger(d)
	if err != nil {
		return 0, err
	}
	if neg || uint64(T(n)) != n {
		return 0, fmt.Errorf("%s overflows %T", formatInteger(n, neg), T(0))
	}
	return T(n), nil
}

// decodeInteger reads a msgpack integer of any width as its two's
// complement bits and whether it is negative. Anything else (nil, a float,
// a string) is an error.
func decodeInteger(d *msgpack.Decoder) (bits uint64, neg bool, err error) {
	c, err := d.PeekCode()
	if err != nil {
		return 0, false, err
	}
	switch {
	case msgpcode.IsFixedNum(c) && c <= msgpcode.PosFixedNumHigh, c >= msgpcode.Uint8 && c <= msgpcode.Uint64:
		bits, err = d.DecodeUint64()
		return bits, false, err
	case msgpcode.IsFixedNum(c), c >= msgpcode.Int8 && c <= msgpcode.Int64:
		v, err := d.DecodeInt64()
		return uint64(v), v < 0, err
	}
	return 0, false, fmt.Errorf("msgpack code %#x is not an integer", c)
}

func formatInteger(bits uint64, neg bool) string {
	if neg {
		return strconv.FormatInt(int64(bits), 10)
	}
	return strconv.FormatUint(bits, 10)
}

// Float is the codec of types whose underlying type is float32 or float64.
// It decodes a msgpack float or integer whose value T holds exactly.
type Float[T ~float32 | ~float64] struct{}

// Encode writes v as a msgpack float of T's size.
func (Float[T]) Encode(e *msgpack.Encoder, v T) error {
	if isFloat32[T]() {
		return e.EncodeFloat32(float32(v))
	}
	return e.EncodeFloat64(float64(v))
}

func isFloat32[T ~float32 | ~float64]() bool {
	var probe T = 1 << 24
	return probe+1 == probe // float32 cannot hold 2^24+1
}

// Decode reads a msgpack float, or an integer, that T holds exactly.
func (Float[T]) Decode(d *msgpack.Decoder) (T, error) {
	c, err := d.PeekCode()
	if err != nil {
		return 0, err
	}
	var f float64
	switch c {
	case msgpcode.Float, msgpcode.Double:
		if f, err = d.DecodeFloat64(); err != nil {
			return 0, err
		}
		if math.IsNaN(f) {
			return T(f), nil
		}
	default:
		n, neg, err := decodeInteger(d)
		if err != nil {
			return 0, err
		}
		// float64 rounds a large integer; converting back tells whether it was exact.
		var exact bool
		if neg {
			f = float64(int64(n))
			exact = int64(f) == int64(n)
		} else {
			f = float64(n)
			exact = f < 1<<64 && uint64(f) == n
		}
		if !exact {
			return 0, fmt.Errorf("%s is not exactly a %T", formatInteger(n, neg), T(0))
		}
	}
	if float64(T(f)) != f {
		return 0, fmt.Errorf("%v is not exactly a %T", f, T(0))
	}
	return T(f), nil
}

// Bool is the codec of types whose underlying type is bool.
type Bool[T ~bool] struct{}

// Encode writes v.
func (Bool[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeBool(bool(v)) }

// Decode reads a msgpack true or false.
func (Bool[T]) Decode(d *msgpack.Decoder) (T, error) {
	c, err := d.PeekCode()
	if err != nil {
		return false, err
	}
	if c != msgpcode.True && c != msgpcode.False {
		return false, fmt.Errorf("msgpack code %#x is not a bool", c)
	}
	b, err := d.DecodeBool()
	return T(b), err
}

// String is the codec of types whose underlying type is string. It
// decodes a msgpack string or binary.
type String[T ~string] struct{}

// Encode writes v.
func (String[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeString(string(v)) }

// Decode reads a msgpack string (or bin).
func (String[T]) Decode(d *msgpack.Decoder) (T, error) {
	c, err := d.PeekCode()
	if err != nil {
		return "", err
	}
	if !msgpcode.IsString(c) && !msgpcode.IsBin(c) {
		return "", fmt.Errorf("msgpack code %#x is not a string", c)
	}
	s, err := d.DecodeString()
	return T(s), err
}

// Bytes is the codec of types whose underlying type is []byte. A nil slice
// round-trips as nil.
type Bytes[T ~[]byte] struct{}

// Encode writes v as msgpack bin.
func (Bytes[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeBytes(v) }

// Decode reads msgpack bin (or a string, or nil).
func (Bytes[T]) Decode(d *msgpack.Decoder) (T, error) {
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	if c != msgpcode.Nil && !msgpcode.IsString(c) && !msgpcode.IsBin(c) {
		return nil, fmt.Errorf("msgpack code %#x is not binary", c)
	}
	b, err := d.DecodeBytes()
	return T(b), err
}

// Time is the codec of time.Time, as the msgpack timestamp extension. The
// instant round-trips exactly; the location becomes time.Local and the
// monotonic reading is dropped, so compare times with [time.Time.Equal].
type Time struct{}

// Encode writes v as a msgpack timestamp.
func (Time) Encode(e *msgpack.Encoder, v time.Time) error { return e.EncodeTime(v) }

// Decode reads a msgpack timestamp.
func (Time) Decode(d *msgpack.Decoder) (time.Time, error) {
	c, err := d.PeekCode()
	if err != nil {
		return time.Time{}, err
	}
	if !msgpcode.IsExt(c) {
		return time.Time{}, fmt.Errorf("msgpack code %#x is not a timestamp", c)
	}
	return d.DecodeTime()
}

// Value is the codec of composite types (structs, slices, maps, pointers,
// arrays), through msgpack's reflection.
type Value[T any] struct{}

// Encode writes v with msgpack's reflection, map keys sorted.
func (Value[T]) Encode(e *msgpack.Encoder, v T) error { return e.Encode(&v) }

// Decode reads into a new T with msgpack's reflection.
func (Value[T]) Decode(d *msgpack.Decoder) (T, error) {
	var v T
	err := d.Decode(&v)
	return v, err
}

type encoder struct {
	buf bytes.Buffer
	enc *msgpack.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	e.enc = msgpack.NewEncoder(&e.buf)
	e.enc.SetSortMapKeys(true)
	return e
}}

type decoder struct {
	r   bytes.Reader
	dec *msgpack.Decoder
}

var decoders = sync.Pool{New: func() any {
	d := new(decoder)
	d.dec = msgpack.NewDecoder(&d.r)
	return d
}}

// Encode returns v's msgpack bytes.
func Encode[T any](c Codec[T], v T) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	err := c.Encode(e.enc, v)
	var b []byte
	if err == nil {
		b = bytes.Clone(e.buf.Bytes())
	}
	if e.buf.Cap() <= 64<<10 {
		encoders.Put(e)
	}
	return b, err
}

// Decode reads a T from msgpack bytes. Bytes that are not exactly one
// msgpack value whose declared lengths fit in them, nested at most
// [MaxDepth] deep, are an error before any decoding, and so are bytes
// whose values decoded as T could allocate more than 64 times len(b) plus
// 1 MiB (64 MiB at most): decoding allocates in proportion to len(b)
// whatever the bytes claim. A panic of msgpack's reflection is an error too.
func Decode[T any](c Codec[T], b []byte) (T, error) {
	items, err := checkBounds(b)
	if err == nil {
		err = allocBudget[T](items, len(b))
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	d := decoders.Get().(*decoder)
	d.r.Reset(b)
	v, panicked, err := decodeGuarded(c, d.dec)
	if err == nil && d.r.Len() != 0 { // the codec read less than the value checkBounds saw
		err = fmt.Errorf("%d trailing bytes", d.r.Len())
	}
	d.r.Reset(nil)
	if !panicked {
		decoders.Put(d)
	}
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return v, nil
}

// decodeGuarded runs c.Decode, turning a panic of msgpack's reflection
// (a map key of a type Go cannot hash, in a map[any]V) into an error.
func decodeGuarded[T any](c Codec[T], d *msgpack.Decoder) (v T, panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			panicked, err = true, fmt.Errorf("decoding panicked: %v", r)
		}
	}()
	v, err = c.Decode(d)
	return v, false, err
}
