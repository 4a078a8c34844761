package runtime

import (
	"context"
	"time"
)

// A Driver stores sessions. The cookie driver keeps the whole record in the
// cookie value; a server-side driver keeps it elsewhere and puts only the
// session ID in the cookie.
//
// Drivers must be safe for concurrent use.
type Driver interface {
	// Load returns the record that the cookie value token names, or
	// (nil, nil) when there is none: the token is malformed, forged, unknown
	// or expired. An error means the store itself failed; the request then
	// gets no session. name is the cookie's name, which a driver may bind
	// into what it seals.
	Load(ctx context.Context, name, token string) (*Record, error)

	// Save stores rec and returns the new cookie value, or "" to remove the
	// cookie (the session is empty). ch says what changed since Load, for
	// drivers that write only the difference. A driver that finds the
	// loaded record gone (ch.New is false and the store no longer has it)
	// returns an error wrapping [ErrSessionGone] and writes nothing. Save
	// must not modify rec or keep references to its maps after it returns.
	Save(ctx context.Context, name string, rec *Record, ch *Changes) (token string, err error)
}

// A Record is a session as drivers load and save it. Values are msgpack
// encoded and must be treated as read-only.
type Record struct {
	ID      string    // the session ID (see [NewID]); "" in a record not yet saved
	Created time.Time // when the session was issued (absolute lifetime counts from here)
	Active  time.Time // last recorded activity (idle timeout counts from here)
	Expires time.Time // set by the manager before Save: when the session ends if left idle
	// Deadline is when the session ends however active: Created plus its
	// lifetime, fixed when it is issued (or its persistence changes) and
	// stored with it. A later, shorter Lifetime still ends it sooner. Set
	// by the manager before Save.
	Deadline time.Time

	Owner   string // the account the session belongs to ([Session.SetOwner]); "" for none
	Handle  string // the session's public name while it has an owner ([SessionInfo.Handle])
	Device  string // the application's label for the session's device ([Session.SetDevice])
	Persist int8   // [Session.SetPersist]: 1 a persistent cookie, -1 a browser-session cookie, 0 as Options.Persist says

	Data  map[string][]byte // data values by key
	Flash map[string][]byte // flash values readable during the next request

	// Stale is set by a driver's Load when the record should be written
	// again even if nothing changed, for example because it was sealed with
	// a previous key.
	Stale bool
}

// Changes describes what one request did to a loaded record, so that a
// driver can write only the difference.
type Changes struct {
	// OldID, when not "", names a record to destroy: the session was
	// regenerated, invalidated or found expired, and Record.ID is new.
	OldID string
	// Cleared means every existing value was removed (Reset or Invalidate)
	// before the values in Record were set.
	Cleared bool
	// New means the record was not loaded from the driver: this is its
	// first save, and Record.Created is being stored for the first time.
	New bool

	DataSet  []string // data keys whose value in Record.Data is new
	DataDel  []string // data keys that were deleted
	FlashSet []string // flash keys whose value in Record.Flash must be stored
	FlashDel []string // flash keys that aged out or were deleted
	// DataAdd lists the data keys that only [Add] changed, with what it
	// added. A driver that merges concurrent requests applies them to what
	// it stores ([Increment.Apply]); Record.Data holds this request's view.
	DataAdd []Increment

	// OwnerSet, DeviceSet and PersistSet say that Record's owner (with its
	// handle), device label, or persistence choice (with its Deadline)
	// changed and must be stored.
	OwnerSet, DeviceSet, PersistSet bool
	// Reindex is set when an owner index must change: the session's owner
	// or handle changed, or its ID did while it had an owner. OldOwner and
	// OldHandle are what the store had ("" for none), under OldID when it
	// is set and Record.ID otherwise.
	Reindex             bool
	OldOwner, OldHandle string

	// Unlock, when not "", is the lock ([Locker]) that this request holds
	// on the session: a successful save releases it.
	Unlock string
}

// Whole reports whether the driver must write the record as a whole rather
// than apply the listed changes: it was cleared or moved
// to a new ID.
func (c *Changes) Whole() bool { return c.Cleared || c.OldID != "" }

// A Locker is a [Driver] that can make the requests of one session run one
// at a time, for [Manager.Exclusive]. Locks are named by a random token and
// expire by themselves, so that a crashed holder cannot hold one forever.
type Locker interface {
	Driver
	// LoadLocked is Load that also takes the session's lock under the name
	// lock for at most ttl. When another request holds the lock it returns
	// an error wrapping [ErrLocked] at once, without waiting (the manager
	// retries). A token that names no session takes no lock.
	LoadLocked(ctx context.Context, name, token, lock string, ttl time.Duration) (*Record, error)
	// Unlock releases the lock of the session named by token if lock still
	// holds it.
	Unlock(ctx context.Context, name, token, lock string) error
}

// An OwnerIndex is a [Driver] that indexes sessions by their owner, for
// [Manager.Sessions] and [Manager.Revoke].
type OwnerIndex interface {
	Driver
	// Sessions returns the records of the owner's sessions, in any order,
	// without their values (Data and Flash may be nil). The manager drops
	// those that expired.
	Sessions(ctx context.Context, owner string) ([]*Record, error)
	// Revoke ends the owner's sessions named by handles, or all of them
	// when handles is empty, except the one whose ID is except, and returns
	// how many it ended.
	Revoke(ctx context.Context, owner string, handles []string, except string) (int, error)
}
