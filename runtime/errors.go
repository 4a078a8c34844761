package runtime

import "errors"

// Sentinel errors. They are returned wrapped; test for them with [errors.Is].
var (
	// ErrNoSession means the request did not pass through [Manager.Middleware].
	ErrNoSession = errors.New("sessgen: no session in context (is Manager.Middleware installed?)")
	// ErrCookieTooLarge means the encoded session would make a Set-Cookie
	// name=value longer than 4096 bytes. Nothing was sent; the browser keeps
	// its previous cookie.
	ErrCookieTooLarge = errors.New("sessgen: session cookie too large")
	// ErrTooLarge is what a driver's Save returns, wrapped, for a session
	// too large for its store to take at all (the memory driver's
	// MaxBytes): no retry can succeed, so [ServeError] answers 500.
	ErrTooLarge = errors.New("sessgen: session too large for its store")
	// ErrHeadersWritten means the session changed after the response headers
	// were sent and the driver could not store the change without a new cookie.
	ErrHeadersWritten = errors.New("sessgen: session changed after response headers were written")
	// ErrLoad wraps a driver's failure to load a session (for example an
	// unreachable Redis server).
	ErrLoad = errors.New("sessgen: loading session failed")
	// ErrSave wraps a driver's failure to save a session.
	ErrSave = errors.New("sessgen: saving session failed")
	// ErrSessionGone is what a driver's Save returns when the record it was
	// asked to update no longer exists because another request ended or
	// replaced the session meanwhile (a logout or login in another tab). The
	// changes are dropped and the browser's cookie is left as it is, so a
	// slow request can neither revive a logged-out session nor clear the
	// cookie of a newer one. The manager logs it; it is not an error
	// response.
	ErrSessionGone = errors.New("sessgen: session ended by another request")
	// ErrDecode means a stored value does not decode as the requested type,
	// typically because the schema changed between deploys.
	ErrDecode = errors.New("sessgen: stored value does not decode")
	// ErrLocked means a request through [Manager.Exclusive] waited
	// Options.LockWait for its session's lock, which another request held,
	// and gave up. [ServeError] answers it 429 Too Many Requests.
	ErrLocked = errors.New("sessgen: session locked by another request")
	// ErrInvalidOptions means [NewManager] was given options it cannot use.
	ErrInvalidOptions = errors.New("sessgen: invalid options")
)
