package runtime

import (
	"crypto/rand"
	"encoding/base64"
	"unicode/utf8"
)

// Limits on what a session records about its account.
const (
	// MaxOwnerLen is the longest owner [Session.SetOwner] accepts, in bytes.
	// Saving a session with a longer owner fails.
	MaxOwnerLen = 512
	// MaxDeviceLen is the longest device label kept, in bytes; a longer
	// label is cut at a UTF-8 character boundary.
	MaxDeviceLen = 128
)

// SetOwner binds the session to an account: owner is an opaque identifier
// the application chooses (a user ID), at most [MaxOwnerLen] bytes; ""
// unbinds it. Call it at login, together with [Session.Regenerate].
// Regenerate keeps the owner; Reset and Invalidate clear it. Drivers that
// index sessions by owner make them listable with [Manager.Sessions].
func (s *Session) SetOwner(owner string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if owner == s.rec.Owner {
		return
	}
	s.rec.Owner = owner
	s.rec.Handle = ""
	if owner != "" {
		s.rec.Handle = newHandle()
	}
	s.meta = true
}

// Owner returns the session's owner, or "" when it has none.
func (s *Session) Owner() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.Owner
}

// SetDevice labels the session's device for [Manager.Sessions], for
// example "Firefox on Linux". A label longer than [MaxDeviceLen] bytes is
// cut short.
func (s *Session) SetDevice(label string) {
	if len(label) > MaxDeviceLen {
		n := MaxDeviceLen
		for n > 0 && !utf8.RuneStart(label[n]) {
			n--
		}
		label = label[:n]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if label != s.rec.Device {
		s.rec.Device = label
		s.meta = true
	}
}

// Device returns the session's device label, or "" when none was set.
func (s *Session) Device() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rec.Device
}

// SetPersist chooses, for this session only, whether its cookie outlives
// the browser session ("remember me"), overriding Options.Persist. The
// choice is kept in the session until Reset or Invalidate.
func (s *Session) SetPersist(on bool) {
	p := int8(-1)
	if on {
		p = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != s.rec.Persist {
		s.rec.Persist = p
		s.meta = true
	}
}

// newHandle returns a random session handle: 128 bits, base64url.
func newHandle() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// clearAccountLocked forgets the owner, device and persistence choice.
func (s *Session) clearAccountLocked() {
	if s.rec.Owner != "" || s.rec.Device != "" || s.rec.Persist != 0 {
		s.meta = true
	}
	s.rec.Owner, s.rec.Handle, s.rec.Device, s.rec.Persist = "", "", "", 0
}
