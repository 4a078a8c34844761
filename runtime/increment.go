package runtime

import "encoding/binary"

// An Increment is [Add]'s change to an integer data value, for drivers
// that merge concurrent requests: applied to the value the store holds at
// save time, atomically, it makes N concurrent requests that each add 1
// leave exactly N more. Arithmetic is exact over the whole range of the
// integer type and wraps on overflow, as Go's + does. A stored value that
// is not an integer the type holds counts as 0, as it does for [Add].
type Increment struct {
	Key    string
	By     uint64 // the amount, in two's complement: added modulo 2^64
	Bits   int    // the width of the integer type: 8, 16, 32 or 64
	Signed bool   // whether the type is signed
}

// Apply returns the msgpack encoding of old, read as the increment's
// integer type, plus By. The Redis driver's save script computes the same
// bytes.
func (inc Increment) Apply(old []byte) []byte {
	bits, neg, ok := parseInteger(old)
	if !ok || !inc.fits(bits, neg) {
		bits = 0
	}
	sum := bits + inc.By
	if inc.Bits < 64 {
		sum &= 1<<inc.Bits - 1
		if inc.Signed && sum&(1<<(inc.Bits-1)) != 0 {
			sum |= ^uint64(0) << inc.Bits // sign-extend
		}
	}
	if inc.Signed && int64(sum) < 0 {
		return appendNegative(nil, int64(sum))
	}
	return appendUnsigned(nil, sum)
}

// fits reports whether the integer (bits, neg) is a value of the
// increment's type.
func (inc Increment) fits(bits uint64, neg bool) bool {
	switch {
	case !inc.Signed:
		return !neg && (inc.Bits == 64 || bits < 1<<inc.Bits)
	case neg:
		return inc.Bits == 64 || int64(bits) >= -1<<(inc.Bits-1)
	}
	return bits < 1<<(inc.Bits-1)
}

// parseInteger reads b as exactly one msgpack integer, the forms
// [Signed] and [Unsigned] decode: its two's complement bits and whether it
// is negative.
func parseInteger(b []byte) (bits uint64, neg bool, ok bool) {
	if len(b) == 0 {
		return 0, false, false
	}
	c, p := b[0], b[1:]
	size := 0
	if c >= 0xcc && c <= 0xcf || c >= 0xd0 && c <= 0xd3 {
		size = 1 << (c & 3) // uint8/int8 ... uint64/int64
	}
	switch {
	case c <= 0x7f && len(p) == 0:
		return uint64(c), false, true
	case c >= 0xe0 && len(p) == 0:
		return uint64(int64(int8(c))), true, true
	case size == 0 || len(p) != size:
		return 0, false, false
	}
	var v uint64
	for _, x := range p {
		v = v<<8 | uint64(x)
	}
	if c >= 0xd0 { // signed forms: sign-extend from their width
		shift := 64 - 8*size
		v = uint64(int64(v<<shift) >> shift)
		return v, int64(v) < 0, true
	}
	return v, false, true
}

// appendUnsigned appends n in the smallest msgpack form, as
// msgpack.Encoder.EncodeUint writes it.
func appendUnsigned(b []byte, n uint64) []byte {
	switch {
	case n <= 0x7f:
		return append(b, byte(n))
	case n <= 0xff:
		return append(b, 0xcc, byte(n))
	case n <= 0xffff:
		return binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n <= 0xffffffff:
		return binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xcf), n)
}

// appendNegative appends n < 0 in the smallest msgpack form, as
// msgpack.Encoder.EncodeInt writes it.
func appendNegative(b []byte, n int64) []byte {
	switch {
	case n >= -32:
		return append(b, byte(n))
	case n >= -1<<7:
		return append(b, 0xd0, byte(n))
	case n >= -1<<15:
		return binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -1<<31:
		return binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	}
	return binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
}
