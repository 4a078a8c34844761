package runtime

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// A Session is one request's view of a visitor's session. It is safe for
// concurrent use by the goroutines serving one request.
//
// Values are msgpack bytes; the byte slices that Get and friends return must
// not be modified. Typed access goes through the generic helpers ([Lookup],
// [Store], ...) and the code that cmd/sessgen generates.
type Session struct {
	mu sync.Mutex

	rec     Record
	stored  bool // rec came from the driver
	flash   map[string]flashEntry
	changed []string // data keys set or deleted since load, without repeats
	// changedSet indexes changed once it is long, so that marking a key
	// stays O(1) however many keys one request changes.
	changedSet map[string]struct{}
	// adds holds what Add added to keys this request did not otherwise set
	// or delete: the save sends them as increments (Changes.DataAdd).
	adds map[string]Increment
	// loadedOwner and loadedHandle are what the store holds, to tell the
	// driver when its owner index must change.
	loadedOwner, loadedHandle string
	// save and saveCh are what prepareLocked hands the driver; kept here so
	// that a save allocates neither.
	save    Record
	saveCh  Changes
	buf     [2][4]string // first backing arrays of changed and saveCh.DataSet
	cleared bool
	oldID   string
	aged    bool       // loaded flash values exist, so saving ages them
	flashed bool       // Flash, Keep, Reflash or a delete touched flash state
	account accountSet // which of the owner, device and persistence choice changed

	report   func(error)
	reported map[string]struct{}
}

type flashEntry struct {
	val  []byte
	keep bool // stored for the next request
}

// NewSession returns an empty, unsaved session. Sessions normally come from
// [From]; NewSession is for tests and for code outside an HTTP request.
func NewSession() *Session { return &Session{} }

// newSessionWithLogger is [NewSession] with problems with stored values
// (see [Session.reportError]) logged to logger.
func newSessionWithLogger(logger *slog.Logger) *Session {
	return &Session{report: logTo(logger)}
}

func logTo(logger *slog.Logger) func(error) {
	return func(err error) { logger.Error("sessgen: session value", "err", err) }
}

// load makes the zero Session s hold a record a driver loaded.
func (s *Session) load(rec *Record) {
	s.rec, s.stored = *rec, true
	s.loadedOwner, s.loadedHandle = rec.Owner, rec.Handle
	if len(rec.Flash) > 0 {
		s.flash = make(map[string]flashEntry, len(rec.Flash))
		for k, v := range rec.Flash {
			s.flash[k] = flashEntry{val: v}
		}
		s.aged = true
	}
}

// ID returns the session's ID, making one if the session has none yet.
func (s *Session) ID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.id()
}

func (s *Session) id() string {
	if s.rec.ID == "" {
		s.rec.ID = NewID()
	}
	return s.rec.ID
}

// Get returns the msgpack bytes stored under the data key. They belong to
// the session and may share memory with the driver's buffers: read them,
// never modify them.
func (s *Session) Get(key string) ([]byte, bool) {
	s.mu.Lock()
	v, ok := s.rec.Data[key]
	s.mu.Unlock()
	return v, ok
}

// Has reports whether the data key holds a value.
func (s *Session) Has(key string) bool {
	_, ok := s.Get(key)
	return ok
}

// Set stores msgpack bytes under the data key. The session keeps b; the
// caller must not modify it afterwards.
func (s *Session) Set(key string, b []byte) {
	s.mu.Lock()
	s.setLocked(key, b)
	s.mu.Unlock()
}

func (s *Session) setLocked(key string, b []byte) {
	s.putLocked(key, b)
	delete(s.adds, key)
}

// putLocked stores b under key and marks the key changed.
func (s *Session) putLocked(key string, b []byte) {
	if s.rec.Data == nil {
		s.rec.Data = make(map[string][]byte, 4)
	}
	s.rec.Data[key] = b
	s.markLocked(key)
}

// addLocked stores b, the sum that [Add] computed, under key. Unless this
// request set or deleted the key, it also records inc, so that the save
// applies the addition to what the store holds by then.
func (s *Session) addLocked(key string, b []byte, inc Increment) {
	if s.isChangedLocked(key) {
		if prev, ok := s.adds[key]; ok {
			inc.By += prev.By
		} else {
			s.putLocked(key, b) // set or deleted here: stays absolute
			return
		}
	}
	s.putLocked(key, b)
	if s.adds == nil {
		s.adds = make(map[string]Increment, 1)
	}
	s.adds[key] = inc
}

// isChangedLocked reports whether key was set or deleted since the load.
func (s *Session) isChangedLocked(key string) bool {
	if s.changedSet != nil {
		_, ok := s.changedSet[key]
		return ok
	}
	return slices.Contains(s.changed, key)
}

// indexAt is how many changed keys a linear search goes through before
// they are indexed by a map.
const indexAt = 16

func (s *Session) markLocked(key string) {
	switch {
	case s.changedSet != nil:
		if _, ok := s.changedSet[key]; ok {
			return
		}
		s.changedSet[key] = struct{}{}
	case slices.Contains(s.changed, key):
		return
	case len(s.changed) == indexAt:
		s.changedSet = make(map[string]struct{}, 2*indexAt)
		for _, k := range s.changed {
			s.changedSet[k] = struct{}{}
		}
		s.changedSet[key] = struct{}{}
	case s.changed == nil:
		s.changed = s.buf[0][:0]
	}
	s.changed = append(s.changed, key)
}

// Delete removes the data key.
func (s *Session) Delete(key string) {
	s.mu.Lock()
	s.deleteLocked(key)
	s.mu.Unlock()
}

func (s *Session) deleteLocked(key string) {
	if _, ok := s.rec.Data[key]; ok {
		delete(s.rec.Data, key)
		s.markLocked(key)
	}
	delete(s.adds, key)
}

// Rename moves a value stored under an old name of the data key: when key
// holds no value and one of old does, the first such value moves to key.
// Every old key present is deleted, so the next save stores only key.
// Generated accessors of a field tagged was=old call it before each access.
func (s *Session) Rename(key string, old ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range old {
		v, ok := s.rec.Data[o]
		if !ok {
			continue
		}
		if _, has := s.rec.Data[key]; !has {
			s.setLocked(key, v)
		}
		s.deleteLocked(o)
	}
}

// RenameFlash is [Session.Rename] for flash keys: a value flashed under an
// old name is readable under key in this request.
func (s *Session) RenameFlash(key string, old ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range old {
		e, ok := s.flash[o]
		if !ok {
			continue
		}
		if _, has := s.flash[key]; !has {
			s.flash[key] = e
		}
		delete(s.flash, o)
		s.flashed = true
	}
}

// Pull returns the data key's value and deletes it.
func (s *Session) Pull(key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.rec.Data[key]
	s.deleteLocked(key)
	return v, ok
}

// Flashed returns the msgpack bytes of the flash key, if it is readable in
// this request.
func (s *Session) Flashed(key string) ([]byte, bool) {
	s.mu.Lock()
	e, ok := s.flash[key]
	s.mu.Unlock()
	return e.val, ok
}

// Flash stores b under the flash key: readable for the rest of this request
// and during the next one, then gone.
func (s *Session) Flash(key string, b []byte) { s.putFlash(key, b, true) }

// Now stores b under the flash key for this request only.
func (s *Session) Now(key string, b []byte) { s.putFlash(key, b, false) }

func (s *Session) putFlash(key string, b []byte, keep bool) {
	s.mu.Lock()
	if s.flash == nil {
		s.flash = make(map[string]flashEntry, 2)
	}
	s.flash[key] = flashEntry{val: b, keep: keep}
	s.flashed = true
	s.mu.Unlock()
}

// Keep makes the flash keys readable during the next request too.
func (s *Session) Keep(keys ...string) {
	s.mu.Lock()
	for _, k := range keys {
		if e, ok := s.flash[k]; ok && !e.keep {
			e.keep = true
			s.flash[k] = e
			s.flashed = true
		}
	}
	s.mu.Unlock()
}

// Reflash keeps every readable flash value for the next request.
func (s *Session) Reflash() {
	s.mu.Lock()
	for k, e := range s.flash {
		if !e.keep {
			e.keep = true
			s.flash[k] = e
			s.flashed = true
		}
	}
	s.mu.Unlock()
}

// DeleteFlash removes the flash key from this request and the next.
func (s *Session) DeleteFlash(key string) {
	s.mu.Lock()
	if _, ok := s.flash[key]; ok {
		delete(s.flash, key)
		s.flashed = true
	}
	s.mu.Unlock()
}

// Keys returns the data keys that hold a value, sorted.
func (s *Session) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]string, 0, len(s.rec.Data))
	for k := range s.rec.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Reset removes every data and flash value and the owner. The session keeps
// its ID.
func (s *Session) Reset() {
	s.mu.Lock()
	s.resetLocked()
	s.mu.Unlock()
}

func (s *Session) resetLocked() {
	s.rec.Data = nil
	s.flash = nil
	s.changed, s.changedSet, s.adds = nil, nil, nil
	s.cleared = true
	s.flashed = true
	s.clearAccountLocked()
}

// Regenerate gives the session a new ID and keeps its values; the record
// under the old ID is destroyed when the session is saved. Call it when a
// user logs in, against session fixation.
func (s *Session) Regenerate() {
	s.mu.Lock()
	s.regenerateLocked()
	s.mu.Unlock()
}

func (s *Session) regenerateLocked() {
	if s.stored && s.oldID == "" {
		s.oldID = s.rec.ID
	}
	s.rec.ID = NewID()
	s.rec.Created, s.rec.Deadline = time.Time{}, time.Time{} // a new session: its lifetime starts at the save
	s.cleared = true
}

// Invalidate removes every value and the owner and gives the session a new
// ID. Call it when a user logs out.
func (s *Session) Invalidate() {
	s.mu.Lock()
	s.resetLocked()
	s.regenerateLocked()
	s.mu.Unlock()
}

// reportError sends a problem with a stored value to the manager's error
// log, once per key and request: a value that no longer decodes as its
// field's type, or one that does not encode.
func (s *Session) reportError(key string, err error) {
	s.mu.Lock()
	if _, done := s.reported[key]; done {
		s.mu.Unlock()
		return
	}
	if s.reported == nil {
		s.reported = make(map[string]struct{}, 1)
	}
	s.reported[key] = struct{}{}
	report := s.report
	s.mu.Unlock()
	if report != nil {
		report(fmt.Errorf("key %q: %w", key, err))
	}
}
