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
}

// Whole reports whether the driver must write the record as a whole rather
// than apply the listed changes: it was cleared or moved
// to a new ID.
func (c *Changes) Whole() bool { return c.Cleared || c.OldID != "" }
