package runtime_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/sessgen/sessgen/runtime"
)

// The runtime's tests run on two fake drivers that keep to the Driver
// contract the way the real ones do, without depending on them: fakeStore
// is server-side (the cookie holds the ID, which stays the same from save
// to save), fakeSealer keeps the record "in the cookie" (a new value at
// every save, as long as the record is large, and sealed with a key).

// fakeStore keeps whole records by ID. Like a real server-side driver it
// refuses to bring back a loaded record that another request removed
// (runtime.ErrSessionGone). It counts loads and saves and fails either on
// demand.
type fakeStore struct {
	mu      sync.Mutex
	records map[string]*runtime.Record

	loads, saves       atomic.Int64
	failLoad, failSave atomic.Bool
}

var errStoreDown = fmt.Errorf("store down")

func newStore() *fakeStore { return &fakeStore{records: make(map[string]*runtime.Record)} }

func (d *fakeStore) Load(_ context.Context, _, token string) (*runtime.Record, error) {
	d.loads.Add(1)
	if d.failLoad.Load() {
		return nil, errStoreDown
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	rec, ok := d.records[token]
	if !ok {
		return nil, nil
	}
	return clone(rec), nil
}

func (d *fakeStore) Save(_ context.Context, _ string, rec *runtime.Record, ch *runtime.Changes) (string, error) {
	d.saves.Add(1)
	if d.failSave.Load() {
		return "", errStoreDown
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	loaded := rec.ID
	if ch.OldID != "" {
		loaded = ch.OldID
	}
	if _, ok := d.records[loaded]; !ok && !ch.New {
		return "", fmt.Errorf("fake store: %w", runtime.ErrSessionGone)
	}
	delete(d.records, ch.OldID)
	if len(rec.Data) == 0 && len(rec.Flash) == 0 && rec.Owner == "" {
		delete(d.records, rec.ID)
		return "", nil
	}
	d.records[rec.ID] = clone(rec)
	return rec.ID, nil
}

// Len returns the number of stored records.
func (d *fakeStore) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.records)
}

func clone(rec *runtime.Record) *runtime.Record {
	cp := *rec
	cp.Data, cp.Flash = maps.Clone(rec.Data), maps.Clone(rec.Flash)
	return &cp
}

// fakeSealer keeps the record behind a cookie value that changes at every
// save and is as long as the record's values, so that a large session
// makes a cookie too large, as the cookie driver's would. Values name the
// key that sealed them: those of a previous key open as stale (to be
// sealed again), those of an unknown key as no session.
type fakeSealer struct {
	key      string
	previous []string
	sealed   *sealedValues
}

type sealedValues struct {
	mu sync.Mutex
	m  map[string]*runtime.Record
}

func newSealer(key string, previous ...string) *fakeSealer {
	return &fakeSealer{key: key, previous: previous, sealed: &sealedValues{m: make(map[string]*runtime.Record)}}
}

func (d *fakeSealer) Load(_ context.Context, _, token string) (*runtime.Record, error) {
	key, _, _ := strings.Cut(token, ".")
	d.sealed.mu.Lock()
	defer d.sealed.mu.Unlock()
	rec, ok := d.sealed.m[token]
	if !ok || key != d.key && !slices.Contains(d.previous, key) {
		return nil, nil
	}
	cp := clone(rec)
	cp.Stale = key != d.key
	return cp, nil
}

func (d *fakeSealer) Save(_ context.Context, _ string, rec *runtime.Record, _ *runtime.Changes) (string, error) {
	if len(rec.Data) == 0 && len(rec.Flash) == 0 && rec.Owner == "" {
		return "", nil
	}
	n := 0
	for _, v := range rec.Data {
		n += len(v)
	}
	token := d.key + "." + rand.Text() + strings.Repeat("x", n)
	d.sealed.mu.Lock()
	defer d.sealed.mu.Unlock()
	d.sealed.m[token] = clone(rec)
	return token, nil
}

// sealedWith returns a sealer sharing d's sealed values under another key
// configuration, as a server restarted after a key rotation would be.
func (d *fakeSealer) sealedWith(key string, previous ...string) *fakeSealer {
	return &fakeSealer{key: key, previous: previous, sealed: d.sealed}
}
