package cookie

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/sessgen/sessgen/runtime"
)

// MinSecretLen is the shortest secret accepted: 32 bytes.
const MinSecretLen = 32

// ErrWeakSecret means a secret is missing or shorter than [MinSecretLen].
var ErrWeakSecret = errors.New("a secret must be at least 32 bytes of random data (generate one with: openssl rand -base64 48)")

// CheckSecret returns an error wrapping [ErrWeakSecret], worded to follow
// the secret's name ("is empty: ...", "has 10 bytes: ..."), when secret is
// too short for [New].
func CheckSecret(secret []byte) error {
	switch {
	case len(secret) == 0:
		return fmt.Errorf("is empty: %w", ErrWeakSecret)
	case len(secret) < MinSecretLen:
		return fmt.Errorf("has %d bytes: %w", len(secret), ErrWeakSecret)
	}
	return nil
}

const (
	version   = 2 // of the sealed format (payload.go); version 1's cookies load as no session
	nonceLen  = 12
	overhead  = 1 + nonceLen + 16 // version, nonce, GCM tag
	maxToken  = 8192              // longer cookie values are not even decoded
	hkdfLabel = "sessgen cookie driver v1"
)

// enc is strict: the unused low bits of the last character must be zero, so
// that a cookie value has one spelling only.
var enc = base64.RawURLEncoding.Strict()

// Driver seals sessions into cookie values. It is safe for concurrent use.
type Driver struct {
	keys []cipher.AEAD // keys[0] seals; all open
	aad  atomic.Pointer[aad]
}

type aad struct {
	name string
	b    []byte
}

// New returns a driver that seals with secret and also opens cookies sealed
// with any of previous, for key rotation: put the new secret first and keep
// the old ones in previous until every cookie sealed with them has expired
// (the absolute lifetime). Cookies sealed with a previous secret are sealed
// again with the current one on their next save. Each secret must be at
// least 32 bytes of high-entropy data; the AES-256 key is derived from it
// with HKDF-SHA256.
func New(secret []byte, previous ...[]byte) (*Driver, error) {
	d := &Driver{}
	for i, s := range append([][]byte{secret}, previous...) {
		if err := CheckSecret(s); err != nil {
			if i == 0 {
				return nil, fmt.Errorf("cookie: the current secret %w", err)
			}
			return nil, fmt.Errorf("cookie: previous secret %d %w", i, err)
		}
		key, err := hkdf.Key(sha256.New, s, nil, hkdfLabel, 32)
		if err != nil {
			return nil, fmt.Errorf("cookie: deriving key: %w", err)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("cookie: %w", err)
		}
		gcm, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("cookie: %w", err)
		}
		d.keys = append(d.keys, gcm)
	}
	return d, nil
}

// additional returns the authenticated data: the format version and the
// cookie name, cached for the usual case of one name per driver. Binding the
// version means a later format can never be mistaken for this one.
func (d *Driver) additional(name string) []byte {
	if a := d.aad.Load(); a != nil && a.name == name {
		return a.b
	}
	a := &aad{name: name, b: append([]byte{version}, name...)}
	d.aad.Store(a)
	return a.b
}

// Load opens the cookie value. Anything that does not open and parse is no
// session: (nil, nil).
func (d *Driver) Load(_ context.Context, name, token string) (*runtime.Record, error) {
	if len(token) > maxToken || enc.DecodedLen(len(token)) < overhead {
		return nil, nil
	}
	n := enc.DecodedLen(len(token))
	// One allocation: the sealed bytes, then room for the plaintext.
	buf := make([]byte, n, 2*n)
	src := unsafe.Slice(unsafe.StringData(token), len(token)) // read only
	m, err := enc.Decode(buf, src)
	// The decoder skips CR and LF: a value holding them decodes short.
	if err != nil || m != n || buf[0] != version {
		return nil, nil
	}
	nonce, sealed := buf[1:1+nonceLen], buf[1+nonceLen:]
	ad := d.additional(name)
	for i, k := range d.keys {
		plain, err := k.Open(buf[n:n], nonce, sealed, ad)
		if err != nil {
			continue
		}
		rec, err := unmarshal(plain)
		if err != nil {
			return nil, nil
		}
		rec.Stale = i > 0
		return rec, nil
	}
	return nil, nil
}

var scratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Save seals rec into a cookie value. A record with no values and no owner
// gives "", which removes the cookie.
func (d *Driver) Save(_ context.Context, name string, rec *runtime.Record, _ *runtime.Changes) (string, error) {
	if len(rec.Data) == 0 && len(rec.Flash) == 0 && rec.Owner == "" {
		return "", nil
	}
	bp := scratch.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 16<<10 { // a cookie is at most 4 KiB; keep no outliers
			scratch.Put(bp)
		}
	}()
	b := append((*bp)[:0], version)
	b = append(b, make([]byte, nonceLen)...)
	rand.Read(b[1 : 1+nonceLen]) // never fails (crypto/rand crashes the program instead)
	plainAt := len(b)
	b, err := marshal(b, rec)
	if err != nil {
		return "", err
	}
	b = d.keys[0].Seal(b[:plainAt], b[1:1+nonceLen], b[plainAt:], d.additional(name))
	if need := len(b) + enc.EncodedLen(len(b)); cap(b) < need {
		b = append(make([]byte, 0, need), b...)
	}
	*bp = b[:0]
	return string(enc.AppendEncode(b[len(b):], b)), nil // encoded right after the sealed bytes
}
