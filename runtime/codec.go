package runtime

import (
	"bytes"
	"fmt"
	"sync"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// A Codec converts values of one Go type to and from msgpack. Generated code
// picks one per field: the kind codecs below for basic kinds (no reflection)
// and [Value] for composite types.
type Codec[T any] interface {
	Encode(e *msgpack.Encoder, v T) error
	Decode(d *msgpack.Decoder) (T, error)
}

// Signed is the codec of types whose underlying type is a signed integer.
// Decoding a value that does not fit T is an error.
type Signed[T ~int | ~int8 | ~int16 | ~int32 | ~int64] struct{}

// Encode writes v in the smallest msgpack integer form.
func (Signed[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeInt(int64(v)) }

// Decode reads an integer and checks that it fits T.
func (Signed[T]) Decode(d *msgpack.Decoder) (T, error) {
	n, err := d.DecodeInt64()
	if err != nil {
		return 0, err
	}
	if int64(T(n)) != n {
		return 0, fmt.Errorf("%d overflows %T", n, T(0))
	}
	return T(n), nil
}

// Unsigned is the codec of types whose underlying type is an unsigned integer.
type Unsigned[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr] struct{}

// Encode writes v in the smallest msgpack integer form.
func (Unsigned[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeUint(uint64(v)) }

// Decode reads an integer and checks that it fits T.
func (Unsigned[T]) Decode(d *msgpack.Decoder) (T, error) {
	n, err := d.DecodeUint64()
	if err != nil {
		return 0, err
	}
	if uint64(T(n)) != n {
		return 0, fmt.Errorf("%d overflows %T", n, T(0))
	}
	return T(n), nil
}

// Float is the codec of types whose underlying type is float32 or float64.
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

// Decode reads a msgpack float (or integer).
func (Float[T]) Decode(d *msgpack.Decoder) (T, error) {
	f, err := d.DecodeFloat64()
	return T(f), err
}

// Bool is the codec of types whose underlying type is bool.
type Bool[T ~bool] struct{}

// Encode writes v.
func (Bool[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeBool(bool(v)) }

// Decode reads a msgpack bool.
func (Bool[T]) Decode(d *msgpack.Decoder) (T, error) {
	b, err := d.DecodeBool()
	return T(b), err
}

// String is the codec of types whose underlying type is string.
type String[T ~string] struct{}

// Encode writes v.
func (String[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeString(string(v)) }

// Decode reads a msgpack string.
func (String[T]) Decode(d *msgpack.Decoder) (T, error) {
	s, err := d.DecodeString()
	return T(s), err
}

// Bytes is the codec of types whose underlying type is []byte. A nil slice
// round-trips as nil.
type Bytes[T ~[]byte] struct{}

// Encode writes v as msgpack bin.
func (Bytes[T]) Encode(e *msgpack.Encoder, v T) error { return e.EncodeBytes(v) }

// Decode reads msgpack bin (or nil).
func (Bytes[T]) Decode(d *msgpack.Decoder) (T, error) {
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
func (Time) Decode(d *msgpack.Decoder) (time.Time, error) { return d.DecodeTime() }

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

// Decode reads a T from msgpack bytes. Trailing bytes are an error.
func Decode[T any](c Codec[T], b []byte) (T, error) {
	d := decoders.Get().(*decoder)
	d.r.Reset(b)
	v, err := c.Decode(d.dec)
	if err == nil && d.r.Len() != 0 {
		err = fmt.Errorf("%d trailing bytes", d.r.Len())
	}
	d.r.Reset(nil)
	decoders.Put(d)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return v, nil
}

// Lookup returns the data key's value decoded as T. A value that does not
// decode is reported once through the manager's error log and reads as
// absent.
func Lookup[T any](s *Session, key string, c Codec[T]) (T, bool) {
	b, ok := s.Get(key)
	return decodeOrReport(s, key, c, b, ok)
}

// LookupFlash is [Lookup] for a flash key.
func LookupFlash[T any](s *Session, key string, c Codec[T]) (T, bool) {
	b, ok := s.Flashed(key)
	return decodeOrReport(s, key, c, b, ok)
}

// Pull returns the data key's value decoded as T and deletes the key.
func Pull[T any](s *Session, key string, c Codec[T]) (T, bool) {
	b, ok := s.Pull(key)
	return decodeOrReport(s, key, c, b, ok)
}

func decodeOrReport[T any](s *Session, key string, c Codec[T], b []byte, ok bool) (T, bool) {
	var zero T
	if !ok {
		return zero, false
	}
	v, err := Decode(c, b)
	if err != nil {
		s.ReportError(key, err)
		return zero, false
	}
	return v, true
}

// Store encodes v and stores it under the data key. An encoding failure is
// reported through the manager's error log and leaves the key unchanged.
func Store[T any](s *Session, key string, v T, c Codec[T]) {
	if b, ok := encodeOrReport(s, key, c, v); ok {
		s.Set(key, b)
	}
}

// Flash encodes v and flashes it under the flash key (see [Session.Flash]).
func Flash[T any](s *Session, key string, v T, c Codec[T]) {
	if b, ok := encodeOrReport(s, key, c, v); ok {
		s.Flash(key, b)
	}
}

// Now encodes v and stores it under the flash key for this request only
// (see [Session.Now]).
func Now[T any](s *Session, key string, v T, c Codec[T]) {
	if b, ok := encodeOrReport(s, key, c, v); ok {
		s.Now(key, b)
	}
}

func encodeOrReport[T any](s *Session, key string, c Codec[T], v T) ([]byte, bool) {
	b, err := Encode(c, v)
	if err != nil {
		s.ReportError(key, err)
		return nil, false
	}
	return b, true
}

// Integer is the set of types [Add] works on.
type Integer interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// Add adds by to the integer under the data key and returns the sum. A
// missing value, or one that no longer decodes, counts as 0. The read and
// the write happen under the session's lock. Overflow wraps, as Go's + does.
func Add[T Integer](s *Session, key string, by T, c Codec[T]) T {
	var sum T
	var decErr error
	err := s.Update(key, func(old []byte, ok bool) ([]byte, error) {
		var cur T
		if ok {
			cur, decErr = Decode(c, old)
		}
		sum = cur + by
		return Encode(c, sum)
	})
	if decErr != nil {
		s.ReportError(key, decErr)
	}
	if err != nil {
		s.ReportError(key, err)
	}
	return sum
}
