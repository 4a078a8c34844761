package runtime

import (
	"crypto/rand"
	"encoding/base64"
)

// IDLen is the length of a session ID: 256 random bits, base64url without
// padding.
const IDLen = 43

// NewID returns a new session ID: 32 bytes from crypto/rand, base64url
// encoded without padding (43 characters).
func NewID() string {
	var b [32]byte
	rand.Read(b[:]) // never returns an error; crashes the program if the OS RNG fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ValidID reports whether id has the form [NewID] produces. Drivers reject
// other IDs before touching their store.
func ValidID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if b64Value(id[i]) < 0 {
			return false
		}
	}
	// 43 characters carry 258 bits: the last one's 2 low bits are padding and
	// must be zero.
	return b64Value(id[IDLen-1])&3 == 0
}

// b64Value returns the value of a base64url character, or -1.
func b64Value(c byte) int {
	switch {
	case 'A' <= c && c <= 'Z':
		return int(c - 'A')
	case 'a' <= c && c <= 'z':
		return int(c-'a') + 26
	case '0' <= c && c <= '9':
		return int(c-'0') + 52
	case c == '-':
		return 62
	case c == '_':
		return 63
	}
	return -1
}
