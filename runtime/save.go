package runtime

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// save stores the session if it needs storing. With headers, it adds the
// cookie to the response; without, it fails with ErrHeadersWritten when the
// browser's cookie would have to change. st.mu is held.
func (st *state) save(headers bool) error {
	sess := st.loadedSession()
	if sess == nil {
		return nil
	}
	m := st.m
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if st.gone {
		return nil // ended by another request: what this one did is dropped
	}
	now := m.o.Clock()
	if !sess.stored && sess.oldID == "" && sess.emptyLocked() {
		if headers && st.token != "" { // a cookie that named no session: drop it
			m.addCookie(st.rw.Header(), "", false, now, now)
		}
		return nil
	}
	// Recording activity is worth a save only while a cookie can still go out.
	touch := headers && sess.stored && now.Sub(sess.rec.Active) >= m.o.TouchInterval
	if !sess.dirtyLocked() && !touch {
		return nil
	}
	if !headers {
		if !sess.changedLocked() {
			// Only an optional re-seal or an expired record's removal is
			// pending: the next request (or the store's TTL) sees to those.
			return nil
		}
		if !sess.stored || sess.oldID != "" && !sess.emptyLocked() {
			// A new session or a new ID needs a cookie the browser can no
			// longer get: store nothing, so the session it holds stays intact.
			return fmt.Errorf("%w: the session needs a new cookie", ErrHeadersWritten)
		}
	}
	if n := len(sess.rec.Owner); n > MaxOwnerLen {
		return fmt.Errorf("sessgen: the session's owner has %d bytes; owners have at most %d", n, MaxOwnerLen)
	}
	created := sess.rec.Created
	if created.IsZero() || !sess.stored {
		created = now
		sess.rec.Created = now
	}
	idle, lifetime := m.timeouts(&sess.rec)
	expires, deadline := now.Add(idle), created.Add(lifetime)
	if d := sess.rec.Deadline; !d.IsZero() && d.Before(deadline) {
		deadline = d // set when the session was issued, before a Lifetime was raised
	}
	if deadline.Before(expires) {
		expires = deadline
	}
	rec, ch := sess.prepareLocked(now, expires, deadline)
	ch.Unlock = st.lock
	// Neither a client that went away nor a handler's deadline may cut the
	// save of what the request did short: drivers bound it themselves.
	st.detached.Context = st.req.Context()
	token, err := m.d.Save(&st.detached, m.o.Name, rec, ch)
	if err == nil || errors.Is(err, ErrSessionGone) {
		st.lock = "" // released with the save, or gone with the session
	}
	if errors.Is(err, ErrSessionGone) {
		st.gone = true
		m.o.Logger.Info("sessgen: a request's session changes were dropped: the session ended meanwhile", "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSave, err)
	}
	if n := len(m.prefix) + len(token); n > maxCookie {
		return fmt.Errorf("%w: %s=... would be %d bytes (limit %d); store less in the session or use a server-side driver",
			ErrCookieTooLarge, m.o.Name, n, maxCookie)
	}
	switch {
	case headers:
		// A server-side store keeps the cookie's value; the browser already
		// holds it unless it must learn a new expiry or persistence.
		if persist := m.persists(rec); token != st.token || persist || sess.account&persistSet != 0 {
			m.addCookie(st.rw.Header(), token, persist, now, expires)
		}
	case token == "" && st.token != "" && (st.token == ch.OldID || st.token == rec.ID):
		// A server-side store destroyed the record the browser's cookie
		// names (a logout): the stale cookie now opens nothing. (A sealed
		// cookie value never equals an ID.)
	case token != st.token:
		return fmt.Errorf("%w: the driver issued a new cookie value", ErrHeadersWritten)
	}
	sess.savedLocked(rec, token)
	st.token = token
	return nil
}

// persists reports whether rec's cookie outlives the browser session.
func (m *Manager) persists(rec *Record) bool {
	return rec.Persist > 0 || rec.Persist == 0 && m.o.Persist
}

// timeouts returns the idle timeout and the lifetime of rec: those of a
// persistent session if its cookie persists.
func (m *Manager) timeouts(rec *Record) (idle, lifetime time.Duration) {
	if m.persists(rec) {
		return m.o.PersistIdleTimeout, m.o.PersistLifetime
	}
	return m.o.IdleTimeout, m.o.Lifetime
}

// dirtyLocked reports whether saving would change what is stored.
func (s *Session) dirtyLocked() bool {
	return s.changedLocked() || s.rec.Stale || s.oldID != ""
}

// changedLocked reports whether this request changed the session's values
// (flash ageing included), as opposed to only re-sealing it or dropping an
// expired record.
func (s *Session) changedLocked() bool {
	return len(s.changed) > 0 || s.cleared || s.aged || s.flashed || s.account != 0
}

// empty reports whether nothing would survive a save.
func (s *Session) emptyLocked() bool {
	if len(s.rec.Data) > 0 || s.rec.Owner != "" {
		return false
	}
	for _, e := range s.flash {
		if e.keep {
			return false
		}
	}
	return true
}

// prepareLocked builds the record to save and what changed, and sets the
// activity and expiry times.
func (s *Session) prepareLocked(now, expires, deadline time.Time) (*Record, *Changes) {
	rec := &s.save
	*rec = s.rec
	rec.Active = now
	rec.Expires, rec.Deadline = expires, deadline
	if rec.Created.IsZero() {
		rec.Created = now
	}
	rec.ID = s.id()
	ch := &s.saveCh
	*ch = Changes{OldID: s.oldID, Cleared: s.cleared, New: !s.stored,
		DataSet: s.buf[1][:0], DataDel: ch.DataDel[:0], FlashSet: ch.FlashSet[:0], FlashDel: ch.FlashDel[:0], DataAdd: ch.DataAdd[:0]}
	ch.OwnerSet, ch.DeviceSet, ch.PersistSet = s.account&ownerSet != 0, s.account&deviceSet != 0, s.account&persistSet != 0
	ch.OldOwner, ch.OldHandle = s.loadedOwner, s.loadedHandle
	// The index entry moves with the owner, the handle and the ID, and its
	// score is the deadline, which the persistence choice moves.
	ch.Reindex = rec.Owner != s.loadedOwner || rec.Handle != s.loadedHandle ||
		(s.oldID != "" || ch.PersistSet) && (rec.Owner != "" || s.loadedOwner != "")
	for _, k := range s.changed {
		if inc, ok := s.adds[k]; ok && s.stored && !ch.Whole() {
			inc.Key = k
			ch.DataAdd = append(ch.DataAdd, inc)
		} else if _, ok := rec.Data[k]; ok {
			ch.DataSet = append(ch.DataSet, k)
		} else {
			ch.DataDel = append(ch.DataDel, k)
		}
	}
	rec.Flash = nil
	for k, e := range s.flash {
		if !e.keep {
			continue
		}
		if rec.Flash == nil {
			rec.Flash = make(map[string][]byte, len(s.flash))
		}
		rec.Flash[k] = e.val
		ch.FlashSet = append(ch.FlashSet, k)
	}
	for k := range s.rec.Flash { // what was loaded
		if _, ok := rec.Flash[k]; !ok {
			ch.FlashDel = append(ch.FlashDel, k)
		}
	}
	slices.Sort(ch.DataSet)
	slices.Sort(ch.DataDel)
	slices.Sort(ch.FlashSet)
	slices.Sort(ch.FlashDel)
	slices.SortFunc(ch.DataAdd, func(a, b Increment) int { return strings.Compare(a.Key, b.Key) })
	return rec, ch
}

// savedLocked records that rec is now what the store holds; an empty token
// means the store removed it.
func (s *Session) savedLocked(rec *Record, token string) {
	s.rec = *rec
	s.rec.Stale = false
	s.stored = token != ""
	if !s.stored {
		s.rec.ID = "" // a later save is a new session
	}
	s.changed, s.changedSet, s.adds = nil, nil, nil
	s.loadedOwner, s.loadedHandle = s.rec.Owner, s.rec.Handle
	s.cleared = false
	s.oldID = ""
	s.aged = false
	s.flashed = false
	s.account = 0
}
