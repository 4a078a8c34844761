package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// DefaultMaxBytes is the default bound on the memory sessions take: 64 MiB,
// about 100 000 sessions holding a flash message and a CSRF token.
const DefaultMaxBytes = 64 << 20

// Options configure a [Driver]. The zero value is usable.
type Options struct {
	// MaxBytes bounds the memory the stored sessions take, as the lengths
	// of their keys, values and IDs plus a fixed overhead per session and
	// per value (an estimate of Go's own). A save that would pass it
	// evicts the least recently used sessions first; an evicted visitor
	// gets a fresh session. Default DefaultMaxBytes.
	MaxBytes int64
	// Clock decides expiry. Default time.Now. Tests that give the manager a
	// fake clock (runtime.Options.Clock) pass the same one here.
	Clock func() time.Time
}

// Driver keeps sessions in a map. The zero value is not usable; call [New]
// or [NewWithOptions]. It is safe for concurrent use. It merges concurrent
// requests' changes key by key, applies increments atomically, locks
// sessions for runtime.Manager.Exclusive, and indexes sessions by owner
// for runtime.Manager.Sessions and Revoke.
type Driver struct {
	mu        sync.Mutex
	sessions  map[string]*entry
	owners    map[string]map[string]*entry // owner → session ID → entry
	lru       entry                        // the ring of entries: lru.next is the most recently used
	bytes     int64
	max       int64
	now       func() time.Time
	lastSweep time.Time
}

// An entry is a stored session, its place in the LRU ring and its lock.
type entry struct {
	rec        runtime.Record
	size       int64
	prev, next *entry
	lock       string    // the token of the request holding the session's lock, or ""
	lockedTill time.Time // when that lock expires
}

// Estimated overheads of what the driver stores, in bytes.
const (
	sessionOverhead = 320 // the entry, its map slot and the two value maps
	valueOverhead   = 64  // a map slot and the headers of a key and a value
)

// sweepEvery is how often a save also drops expired records.
const sweepEvery = time.Minute

// New returns an empty in-memory driver with the default options. Expired
// records are dropped when they are next looked up, every minute during
// saves, and by [Driver.Sweep].
func New() *Driver { return NewWithOptions(Options{}) }

// NewWithOptions returns an empty in-memory driver configured by o.
func NewWithOptions(o Options) *Driver {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	d := &Driver{sessions: make(map[string]*entry), owners: make(map[string]map[string]*entry), max: o.MaxBytes, now: o.Clock,
		lastSweep: o.Clock()}
	d.lru.prev, d.lru.next = &d.lru, &d.lru
	return d
}

// Load returns the record the token names, or nil when there is none or it
// has expired.
func (d *Driver) Load(_ context.Context, _, token string) (*runtime.Record, error) {
	if !runtime.ValidID(token) {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.live(token)
	if e == nil {
		return nil, nil
	}
	return e.copy(), nil
}

// live returns the unexpired entry of the session id, marked as used, or
// nil.
func (d *Driver) live(id string) *entry {
	e, ok := d.sessions[id]
	if !ok {
		return nil
	}
	if !d.now().Before(e.rec.Expires) {
		d.remove(e)
		return nil
	}
	d.unlink(e)
	d.link(e)
	return e
}

func (e *entry) copy() *runtime.Record {
	cp := e.rec
	cp.Data = maps.Clone(e.rec.Data)
	cp.Flash = maps.Clone(e.rec.Flash)
	return &cp
}

// LoadLocked is Load that also takes the session's lock for ttl, or
// fails with runtime.ErrLocked while another request holds it.
func (d *Driver) LoadLocked(_ context.Context, _, token, lock string, ttl time.Duration) (*runtime.Record, error) {
	if !runtime.ValidID(token) {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	e := d.live(token)
	if e == nil {
		return nil, nil
	}
	now := d.now()
	if e.lock != "" && e.lock != lock && now.Before(e.lockedTill) {
		return nil, fmt.Errorf("memory: %w", runtime.ErrLocked)
	}
	e.lock, e.lockedTill = lock, now.Add(ttl)
	return e.copy(), nil
}

// Unlock releases the session's lock if lock holds it.
func (d *Driver) Unlock(_ context.Context, _, token, lock string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if e, ok := d.sessions[token]; ok && e.lock == lock {
		e.lock = ""
	}
	return nil
}

// Save stores the changes, merging them into what is stored so that
// concurrent requests writing different keys keep each other's writes. A
// loaded session whose record is gone (ended by another request, or
// evicted) is not brought back: Save returns an error wrapping
// runtime.ErrSessionGone.
func (d *Driver) Save(_ context.Context, _ string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if now := d.now(); now.Sub(d.lastSweep) >= sweepEvery {
		d.sweepLocked(now)
	}
	loadedID := rec.ID
	if ch.OldID != "" {
		loadedID = ch.OldID
	}
	loaded, ok := d.sessions[loadedID]
	if !ok && !ch.New {
		return "", fmt.Errorf("memory: session %.8s…: %w", loadedID, runtime.ErrSessionGone)
	}
	// Refused before anything changes: what the request would store, with
	// its view of the values, is too large on its own.
	if n := size(rec); n > d.max {
		return "", fmt.Errorf("memory: a session of about %d bytes exceeds MaxBytes (%d): %w", n, d.max, runtime.ErrTooLarge)
	}
	if ok && ch.Unlock != "" && loaded.lock == ch.Unlock {
		loaded.lock = ""
	}
	if old, ok := d.sessions[ch.OldID]; ok {
		d.remove(old)
	}
	e, ok := d.sessions[rec.ID]
	if ok {
		d.remove(e) // put back below, under its new owner
	}
	if !ok || ch.Whole() {
		fresh := &entry{rec: runtime.Record{ID: rec.ID, Data: map[string][]byte{}, Flash: map[string][]byte{}}}
		if ok { // another request's lock on this ID outlives a whole write
			fresh.lock, fresh.lockedTill = e.lock, e.lockedTill
		}
		e = fresh
		ch = wholeChanges(rec, ch)
	}
	apply(&e.rec, rec, ch)
	if len(e.rec.Data) == 0 && len(e.rec.Flash) == 0 && e.rec.Owner == "" {
		return "", nil
	}
	e.size = size(&e.rec)
	d.put(e)
	for d.bytes > d.max && d.lru.prev != e {
		d.remove(d.lru.prev) // the least recently used
	}
	return rec.ID, nil
}

// apply merges the changes ch of rec into what is stored, cur.
func apply(cur, rec *runtime.Record, ch *runtime.Changes) {
	for _, k := range ch.DataSet {
		cur.Data[k] = rec.Data[k]
	}
	for _, k := range ch.DataDel {
		delete(cur.Data, k)
	}
	for _, k := range ch.FlashSet {
		cur.Flash[k] = rec.Flash[k]
	}
	for _, k := range ch.FlashDel {
		delete(cur.Flash, k)
	}
	for _, inc := range ch.DataAdd {
		cur.Data[inc.Key] = inc.Apply(cur.Data[inc.Key])
	}
	cur.Created, cur.Active, cur.Expires = rec.Created, rec.Active, rec.Expires
	// Only the account values this request changed: another request may
	// have changed the others since this one loaded the session.
	if ch.OwnerSet {
		cur.Owner, cur.Handle = rec.Owner, rec.Handle
	}
	if ch.DeviceSet {
		cur.Device = rec.Device
	}
	if ch.PersistSet {
		cur.Persist = rec.Persist
	}
	if ch.PersistSet || ch.New || cur.Deadline.IsZero() {
		cur.Deadline = rec.Deadline
	}
}

// size estimates the memory a stored record takes.
func size(rec *runtime.Record) int64 {
	n := sessionOverhead + len(rec.ID) + len(rec.Owner) + len(rec.Handle) + len(rec.Device)
	for _, m := range [2]map[string][]byte{rec.Data, rec.Flash} {
		for k, v := range m {
			n += valueOverhead + len(k) + len(v)
		}
	}
	return int64(n)
}

// wholeChanges lists every value of rec as set.
func wholeChanges(rec *runtime.Record, ch *runtime.Changes) *runtime.Changes {
	w := &runtime.Changes{OldID: ch.OldID, Cleared: ch.Cleared, New: ch.New, Unlock: ch.Unlock,
		OwnerSet: true, DeviceSet: true, PersistSet: true}
	for k := range rec.Data {
		w.DataSet = append(w.DataSet, k)
	}
	for k := range rec.Flash {
		w.FlashSet = append(w.FlashSet, k)
	}
	return w
}

// link makes e the most recently used entry and counts its size.
func (d *Driver) link(e *entry) {
	e.prev, e.next = &d.lru, d.lru.next
	e.prev.next, e.next.prev = e, e
	d.bytes += e.size
}

// unlink takes e out of the ring and the count.
func (d *Driver) unlink(e *entry) {
	e.prev.next, e.next.prev = e.next, e.prev
	e.prev, e.next = nil, nil
	d.bytes -= e.size
}

// put stores e as the most recently used entry, indexed by its owner.
func (d *Driver) put(e *entry) {
	d.sessions[e.rec.ID] = e
	d.link(e)
	if o := e.rec.Owner; o != "" {
		if d.owners[o] == nil {
			d.owners[o] = make(map[string]*entry, 1)
		}
		d.owners[o][e.rec.ID] = e
	}
}

// remove forgets e.
func (d *Driver) remove(e *entry) {
	d.unlink(e)
	delete(d.sessions, e.rec.ID)
	if o := e.rec.Owner; o != "" {
		delete(d.owners[o], e.rec.ID)
		if len(d.owners[o]) == 0 {
			delete(d.owners, o)
		}
	}
}

// Sessions returns the records of the owner's sessions, without values.
func (d *Driver) Sessions(_ context.Context, owner string) ([]*runtime.Record, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	list := make([]*runtime.Record, 0, len(d.owners[owner]))
	for _, e := range d.owners[owner] {
		rec := e.rec
		rec.Data, rec.Flash = nil, nil
		list = append(list, &rec)
	}
	return list, nil
}

// Revoke removes the owner's sessions named by handles (all of them when
// handles is empty) but the one whose ID is except.
func (d *Driver) Revoke(_ context.Context, owner string, handles []string, except string) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for id, e := range d.owners[owner] {
		if id == except || len(handles) > 0 && !slices.Contains(handles, e.rec.Handle) {
			continue
		}
		if d.now().Before(e.rec.Expires) {
			n++
		}
		d.remove(e)
	}
	return n, nil
}

// Sweep removes expired records and returns how many it removed.
func (d *Driver) Sweep() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sweepLocked(d.now())
}

func (d *Driver) sweepLocked(now time.Time) int {
	d.lastSweep = now
	n := 0
	for _, e := range d.sessions {
		if !now.Before(e.rec.Expires) {
			d.remove(e)
			n++
		}
	}
	return n
}

// Len returns the number of stored records, expired or not.
func (d *Driver) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.sessions)
}

// Bytes returns the estimated memory the stored records take, which
// Options.MaxBytes bounds.
func (d *Driver) Bytes() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.bytes
}
