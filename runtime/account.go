package runtime

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
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
	s.account |= ownerSet
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
		s.account |= deviceSet
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
// choice is kept in the session until Reset or Invalidate. The session's
// absolute lifetime then counts, from its issue, Options.PersistLifetime
// or Options.Lifetime.
func (s *Session) SetPersist(on bool) {
	p := int8(-1)
	if on {
		p = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p != s.rec.Persist {
		s.rec.Persist = p
		s.rec.Deadline = time.Time{} // the save computes the new one
		s.account |= persistSet
	}
}

// newHandle returns a random session handle: 128 bits, base64url.
func newHandle() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// accountSet says which account values a request changed.
type accountSet uint8

const (
	ownerSet accountSet = 1 << iota // the owner and its handle
	deviceSet
	persistSet // the persistence choice, and so the deadline
)

// clearAccountLocked forgets the owner, device and persistence choice.
func (s *Session) clearAccountLocked() {
	if s.rec.Owner != "" {
		s.account |= ownerSet
	}
	if s.rec.Device != "" {
		s.account |= deviceSet
	}
	if s.rec.Persist != 0 {
		s.account |= persistSet
		s.rec.Deadline = time.Time{}
	}
	s.rec.Owner, s.rec.Handle, s.rec.Device, s.rec.Persist = "", "", "", 0
}

// SessionInfo describes one of an owner's sessions, for a page that lists
// a user's devices.
type SessionInfo struct {
	// Handle names the session to Manager.Revoke: random, stable for the
	// session's life (Regenerate keeps it), safe in HTML and URLs, and
	// unrelated to the session ID.
	Handle  string
	Created time.Time // when the session was issued (for a login: when it happened)
	Active  time.Time // its last recorded activity
	Device  string    // the label set with Session.SetDevice, or ""
	Current bool      // it is the session of the request whose context was given
}

// errNoIndex is what listing and revoking return with a driver that keeps
// no index of sessions by owner (the cookie driver: its sessions live in
// browsers).
func (m *Manager) errNoIndex(op string) error {
	return fmt.Errorf("sessgen: %s needs a driver that indexes sessions by owner (Redis or memory), not %T: %w",
		op, m.d, errors.ErrUnsupported)
}

// Sessions returns owner's live sessions, most recently active first.
// When ctx is a request's context, its session is marked Current. An error
// of the store wraps [ErrLoad]; a driver without an owner index (the cookie
// driver) gives an error wrapping [errors.ErrUnsupported].
func (m *Manager) Sessions(ctx context.Context, owner string) ([]SessionInfo, error) {
	idx, ok := m.d.(OwnerIndex)
	if !ok {
		return nil, m.errNoIndex("listing sessions")
	}
	if owner == "" {
		return nil, nil
	}
	recs, err := idx.Sessions(ctx, owner)
	if err != nil {
		return nil, fmt.Errorf("%w: listing sessions: %w", ErrLoad, err)
	}
	current, now := m.currentID(ctx), m.o.Clock()
	list := make([]SessionInfo, 0, len(recs))
	for _, rec := range recs {
		if rec.Owner == owner && !m.expired(rec, now) {
			list = append(list, SessionInfo{Handle: rec.Handle, Created: rec.Created, Active: rec.Active, Device: rec.Device,
				Current: rec.ID == current})
		}
	}
	slices.SortFunc(list, func(a, b SessionInfo) int {
		return cmp.Or(b.Active.Compare(a.Active), b.Created.Compare(a.Created), strings.Compare(a.Handle, b.Handle))
	})
	return list, nil
}

// Revoke ends owner's sessions named by handles (from [Manager.Sessions]),
// or all of them when no handle is given, and returns how many it ended.
// An ended session loads as a fresh one on its next request, on every
// server; a request of it still running saves nothing ([ErrSessionGone]).
func (m *Manager) Revoke(ctx context.Context, owner string, handles ...string) (int, error) {
	return m.revoke(ctx, owner, handles, "")
}

// RevokeOthers ends every session of the current request's owner except
// the current one: "sign out other devices", and what to do after a
// password change. A session without an owner has none to end.
func (m *Manager) RevokeOthers(ctx context.Context) (int, error) {
	s, err := From(ctx)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	owner, id := s.rec.Owner, s.storedID()
	s.mu.Unlock()
	if owner == "" {
		return 0, nil
	}
	return m.revoke(ctx, owner, nil, id)
}

func (m *Manager) revoke(ctx context.Context, owner string, handles []string, except string) (int, error) {
	idx, ok := m.d.(OwnerIndex)
	if !ok {
		return 0, m.errNoIndex("revoking sessions")
	}
	if owner == "" {
		return 0, nil
	}
	n, err := idx.Revoke(ctx, owner, handles, except)
	if err != nil {
		return n, fmt.Errorf("%w: revoking sessions: %w", ErrSave, err)
	}
	return n, nil
}

// currentID returns the ID of the stored session of the request whose
// context ctx is, or "".
func (m *Manager) currentID(ctx context.Context) string {
	st, ok := ctx.Value(ctxKey{}).(*state)
	if !ok || st.m != m {
		return ""
	}
	s, err := st.session()
	if err != nil {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.storedID()
}

// storedID returns the ID the store holds the session under: the one it
// was loaded with even if this request regenerated it, or "" for a session
// not stored yet. s.mu is held.
func (s *Session) storedID() string {
	switch {
	case !s.stored:
		return ""
	case s.oldID != "":
		return s.oldID // regenerated in this request, not saved yet
	}
	return s.rec.ID
}

// Exclusive makes the requests through next that use the same session run
// one at a time, so that a read-modify-write of any key loses nothing: the
// session's lock is taken when the request first loads its session, and
// released when the response is committed (with the save, when there is
// one). A request waits up to Options.LockWait for the lock, then gets
// [ErrLocked] from its session accessor. A request that never loads its
// session takes no lock; changes made after the response was committed are
// saved without it. A request that hijacks its connection (a WebSocket)
// keeps the lock until its handler returns: do not route long-lived
// connections through Exclusive.
//
// Wrap chosen routes inside [Manager.Middleware]:
//
//	mux.Handle("POST /cart/add", sessions.Exclusive(addToCart))
//	http.ListenAndServe(addr, sessions.Middleware(mux))
//
// It panics, when called, if the driver cannot lock (the cookie driver: the
// session travels with each request, where no lock can order them).
func (m *Manager) Exclusive(next http.Handler) http.Handler {
	if _, ok := m.d.(Locker); !ok {
		panic(fmt.Sprintf("sessgen: Manager.Exclusive needs a driver that can lock a session (Redis or memory), not %T: "+
			"the cookie driver's sessions travel with each request, where no lock can order them", m.d))
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := r.Context().Value(ctxKey{}).(*state)
		if !ok || st.m != m {
			ServeError(w, r, fmt.Errorf("Manager.Exclusive: %w", ErrNoSession))
			return
		}
		st.mu.Lock()
		early := st.loaded
		st.exclusive = true
		st.mu.Unlock()
		if early {
			m.o.ErrorHandler(w, r, errors.New("sessgen: Manager.Exclusive: the session was loaded before Exclusive saw the request, "+
				"so it is not locked; wrap the handler with Exclusive before anything reads the session"))
			return
		}
		next.ServeHTTP(w, r)
	})
}
