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
	// ErrHeadersWritten means the session changed after the response headers
	// were sent and the driver could not store the change without a new cookie.
	ErrHeadersWritten = errors.New("sessgen: session changed after response headers were written")
	// ErrLoad wraps a driver's failure to load a session (for example an
	// unreachable Redis server).
	ErrLoad = errors.New("sessgen: loading session failed")
	// ErrSave wraps a driver's failure to save a session.
	ErrSave = errors.New("sessgen: saving session failed")
	// ErrDecode means a stored value does not decode as the requested type,
	// typically because the schema changed between deploys.
	ErrDecode = errors.New("sessgen: stored value does not decode")
	// ErrInvalidOptions means [NewManager] was given options it cannot use.
	ErrInvalidOptions = errors.New("sessgen: invalid options")
)
