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
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	// The last character carries 4 padding bits that must be zero.
	return base64.RawURLEncoding.DecodedLen(IDLen) == 32 && lastCharOK(id[IDLen-1])
}

func lastCharOK(c byte) bool {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		if alphabet[i] == c {
			return i&0x3 == 0
		}
	}
	return false
}
