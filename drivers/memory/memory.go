// Package memory is a sessgen driver that keeps sessions in the process's
// memory: for tests and single-process apps. Sessions do not survive a
// restart and are not shared between processes.
package memory

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// Driver keeps sessions in a map. The zero value is not usable; call [New].
type Driver struct {
	mu        sync.Mutex
	sessions  map[string]*runtime.Record
	now       func() time.Time
	lastSweep time.Time
}

// sweepEvery is how often a save also drops expired records.
const sweepEvery = time.Minute

// New returns an empty in-memory driver. Expired records are dropped when
// they are next looked up, every minute during saves, and by [Driver.Sweep].
func New() *Driver { return NewWithClock(time.Now) }

// NewWithClock is [New] with the clock that decides expiry. Tests that give
// the manager a fake clock (runtime.Options.Clock) pass the same one here.
func NewWithClock(now func() time.Time) *Driver {
	return &Driver{sessions: make(map[string]*runtime.Record), now: now, lastSweep: now()}
}

// Load returns the record the token names, or nil when there is none or it
// has expired.
func (d *Driver) Load(_ context.Context, _, token string) (*runtime.Record, error) {
	if !runtime.ValidID(token) {
		return nil, nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.sessions[token]
	if !ok {
		return nil, nil
	}
	if !d.now().Before(rec.Expires) {
		delete(d.sessions, token)
		return nil, nil
	}
	cp := *rec
	cp.Data = maps.Clone(rec.Data)
	cp.Flash = maps.Clone(rec.Flash)
	return &cp, nil
}

// Save stores the changes, merging them into what is stored so that
// concurrent requests writing different keys keep each other's writes. A
// loaded session whose record is gone (ended by another request) is not
// brought back: Save returns an error wrapping runtime.ErrSessionGone.
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
	if _, ok := d.sessions[loadedID]; !ok && !ch.New {
		return "", fmt.Errorf("memory: session %.8s…: %w", loadedID, runtime.ErrSessionGone)
	}
	if ch.OldID != "" {
		delete(d.sessions, ch.OldID)
	}
	cur, ok := d.sessions[rec.ID]
	if !ok || ch.Whole() {
		cur = &runtime.Record{ID: rec.ID, Data: map[string][]byte{}, Flash: map[string][]byte{}}
		ch = wholeChanges(rec, ch)
	}
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
	cur.Created, cur.Active, cur.Expires = rec.Created, rec.Active, rec.Expires
	if len(cur.Data) == 0 && len(cur.Flash) == 0 {
		delete(d.sessions, rec.ID)
		return "", nil
	}
	d.sessions[rec.ID] = cur
	return rec.ID, nil
}

// wholeChanges lists every value of rec as set.
func wholeChanges(rec *runtime.Record, ch *runtime.Changes) *runtime.Changes {
	w := &runtime.Changes{OldID: ch.OldID, Cleared: ch.Cleared, New: ch.New}
	for k := range rec.Data {
		w.DataSet = append(w.DataSet, k)
	}
	for k := range rec.Flash {
		w.FlashSet = append(w.FlashSet, k)
	}
	return w
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
	for id, rec := range d.sessions {
		if !now.Before(rec.Expires) {
			delete(d.sessions, id)
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
