package runtime

import (
	"cmp"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Options configure a [Manager]. The zero value is a sensible production
// configuration.
type Options struct {
	// Name is the cookie's name. Default "session". The "__Host-" prefix
	// (for example "__Host-session") makes browsers refuse the cookie from
	// any other subdomain or path, against cookie tossing; it needs the
	// default Path and no Domain.
	Name string
	// Path is the cookie's Path. Default "/".
	Path string
	// Domain is the cookie's Domain; empty means a host-only cookie.
	Domain string
	// Insecure leaves out the cookie's Secure attribute, for development
	// over plain HTTP. Browsers treat http://localhost as secure, so this is
	// rarely needed there.
	Insecure bool
	// SameSite is the cookie's SameSite mode. Default http.SameSiteLaxMode.
	SameSite http.SameSite
	// Partitioned sets the cookie's Partitioned attribute (CHIPS).
	Partitioned bool
	// Persist makes the cookie outlive the browser session: it carries a
	// Max-Age attribute reaching the session's expiry, renewed with every
	// save. By default the cookie is a browser-session cookie.
	Persist bool

	// IdleTimeout ends a session that saw no request for this long.
	// Default 1h (Masonite's timeout of 60 * 60).
	IdleTimeout time.Duration
	// Lifetime ends a session this long after it was issued, however active.
	// Default 24h.
	Lifetime time.Duration
	// PersistIdleTimeout and PersistLifetime replace IdleTimeout and
	// Lifetime for sessions whose cookie persists (Persist, or
	// Session.SetPersist(true): "remember me"), which users expect to last
	// longer. Default: IdleTimeout, and Lifetime or PersistIdleTimeout,
	// whichever is longer.
	PersistIdleTimeout time.Duration
	PersistLifetime    time.Duration
	// TouchInterval is how stale the recorded last activity may get before a
	// read-only request writes it again. The idle timeout is exact to within
	// this interval. Default: 1 minute, or IdleTimeout/2 if that is shorter.
	TouchInterval time.Duration

	// LockWait bounds how long a request through [Manager.Exclusive]
	// waits for its session's lock before it fails with [ErrLocked].
	// Default 5s.
	LockWait time.Duration
	// LockTTL is how long an Exclusive request's lock lasts at most: a
	// server that crashed while holding one blocks its session no longer.
	// A request that runs longer loses the lock's protection. Default 30s.
	LockTTL time.Duration

	// ErrorHandler answers a request whose session could not be saved, and
	// is told about errors after the response was committed (then w
	// discards what is written). Default: log to Logger and answer as
	// [ServeError] does (503 when the store failed, 500 otherwise).
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives errors the application cannot act on, such as a stored
	// value that no longer decodes. Default slog.Default().
	Logger *slog.Logger
	// Clock returns the current time. Default time.Now. For tests.
	Clock func() time.Time
}

// withDefaults validates o and fills in defaults.
func (o Options) withDefaults() (Options, error) {
	if o.Name == "" {
		o.Name = "session"
	}
	if !validCookieName(o.Name) {
		return o, fmt.Errorf("%w: cookie name %q is not an HTTP token", ErrInvalidOptions, o.Name)
	}
	if o.Path == "" {
		o.Path = "/"
	}
	// The cookie name prefixes browsers enforce (RFC 6265bis section 4.1.3).
	if hasPrefixFold(o.Name, "__Secure-") && o.Insecure {
		return o, fmt.Errorf("%w: a __Secure- cookie must be Secure (Insecure is set)", ErrInvalidOptions)
	}
	if hasPrefixFold(o.Name, "__Host-") && (o.Insecure || o.Path != "/" || o.Domain != "") {
		return o, fmt.Errorf("%w: a __Host- cookie must be Secure, with Path \"/\" and no Domain", ErrInvalidOptions)
	}
	if !validAttr(o.Path) || !validAttr(o.Domain) {
		return o, fmt.Errorf("%w: cookie Path and Domain must not contain ';' or control characters", ErrInvalidOptions)
	}
	switch o.SameSite {
	case 0, http.SameSiteDefaultMode:
		o.SameSite = http.SameSiteLaxMode
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if o.Insecure {
			return o, fmt.Errorf("%w: SameSite=None requires a Secure cookie (Insecure is set)", ErrInvalidOptions)
		}
	default:
		return o, fmt.Errorf("%w: unknown SameSite mode %d", ErrInvalidOptions, o.SameSite)
	}
	if o.Partitioned && o.Insecure {
		return o, fmt.Errorf("%w: Partitioned requires a Secure cookie (Insecure is set)", ErrInvalidOptions)
	}
	if o.IdleTimeout < 0 || o.Lifetime < 0 || o.TouchInterval < 0 || o.PersistIdleTimeout < 0 || o.PersistLifetime < 0 ||
		o.LockWait < 0 || o.LockTTL < 0 {
		return o, fmt.Errorf("%w: durations must not be negative", ErrInvalidOptions)
	}
	if o.IdleTimeout == 0 {
		o.IdleTimeout = time.Hour
	}
	if o.Lifetime == 0 {
		o.Lifetime = 24 * time.Hour
	}
	o.PersistIdleTimeout = cmp.Or(o.PersistIdleTimeout, o.IdleTimeout)
	o.PersistLifetime = cmp.Or(o.PersistLifetime, max(o.Lifetime, o.PersistIdleTimeout))
	if o.TouchInterval == 0 {
		o.TouchInterval = min(time.Minute, o.IdleTimeout/2, o.PersistIdleTimeout/2)
	}
	o.LockWait = cmp.Or(o.LockWait, 5*time.Second)
	o.LockTTL = cmp.Or(o.LockTTL, 30*time.Second)
	if o.TouchInterval >= min(o.IdleTimeout, o.PersistIdleTimeout) {
		return o, fmt.Errorf("%w: TouchInterval %v must be shorter than IdleTimeout %v", ErrInvalidOptions, o.TouchInterval, o.IdleTimeout)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ErrorHandler == nil {
		logger := o.Logger
		o.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { serveError(logger, w, r, err) }
	}
	if o.Clock == nil {
		o.Clock = time.Now
	}
	return o, nil
}

// hasPrefixFold is strings.HasPrefix ignoring ASCII case, as browsers
// match cookie name prefixes.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == '/' ||
			c == ':' || c == ';' || c == '<' || c == '=' || c == '>' || c == '?' || c == '@' ||
			c == '[' || c == '\\' || c == ']' || c == '{' || c == '}' {
			return false
		}
	}
	return true
}

func validAttr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c == ';' {
			return false
		}
	}
	return true
}
