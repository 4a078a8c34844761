package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// A Manager loads and saves sessions through a [Driver] for the requests
// that pass through its [Manager.Middleware]. It is safe for concurrent use.
type Manager struct {
	d      Driver
	o      Options
	prefix string // "name="
	suffix string // the cookie's attributes, from "; Path=" on
	report func(error)
}

// NewManager returns a Manager that stores sessions with d. Invalid options
// are an error wrapping [ErrInvalidOptions].
func NewManager(d Driver, opts Options) (*Manager, error) {
	if d == nil {
		return nil, fmt.Errorf("%w: nil Driver", ErrInvalidOptions)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	m := &Manager{d: d, o: o, prefix: o.Name + "="}
	m.suffix = "; Path=" + o.Path
	if o.Domain != "" {
		m.suffix += "; Domain=" + o.Domain
	}
	m.suffix += "; HttpOnly"
	if !o.Insecure {
		m.suffix += "; Secure"
	}
	switch o.SameSite {
	case http.SameSiteLaxMode:
		m.suffix += "; SameSite=Lax"
	case http.SameSiteStrictMode:
		m.suffix += "; SameSite=Strict"
	case http.SameSiteNoneMode:
		m.suffix += "; SameSite=None"
	}
	if o.Partitioned {
		m.suffix += "; Partitioned"
	}
	m.report = logTo(o.Logger)
	return m, nil
}

// Options returns the manager's options with defaults filled in.
func (m *Manager) Options() Options { return m.o }

type ctxKey struct{}

// From returns the session of the request whose context ctx is, loading it
// on first use. It returns an error wrapping [ErrNoSession] when the
// request did not pass through [Manager.Middleware], and one wrapping
// [ErrLoad] (and the driver's error) when the driver failed; the application
// decides what to answer, for instance with [ServeError]. The session
// belongs to that request: keeping it afterwards (in a goroutine, say) keeps
// the request's state alive and saves nothing.
func From(ctx context.Context) (*Session, error) {
	st, ok := ctx.Value(ctxKey{}).(*state)
	if !ok {
		return nil, fmt.Errorf("runtime.From: %w", ErrNoSession)
	}
	return st.session()
}

// ServeError answers a request whose session could not be loaded or saved:
// 503 Service Unavailable when the store failed ([ErrLoad], [ErrSave]),
// so that clients and load balancers retry; 429 Too Many Requests with
// Retry-After when the session's lock stayed taken ([ErrLocked]); and 500
// otherwise (a cookie too large, a change after the headers). It logs err with slog's default
// logger. It is also what the default Options.ErrorHandler answers.
func ServeError(w http.ResponseWriter, r *http.Request, err error) {
	serveError(slog.Default(), w, r, err)
}

func serveError(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	switch {
	case errors.Is(err, ErrLocked):
		code = http.StatusTooManyRequests
		w.Header().Set("Retry-After", "1")
	case errors.Is(err, ErrTooLarge):
	case errors.Is(err, ErrLoad) || errors.Is(err, ErrSave):
		code = http.StatusServiceUnavailable
	}
	logger.ErrorContext(r.Context(), "sessgen: session error", "method", r.Method, "path", r.URL.Path, "err", err)
	http.Error(w, http.StatusText(code), code)
}

// Middleware loads the session lazily (a request that never calls [From]
// costs no decoding and no driver call) and saves it, when something
// changed, as the response is committed: at the first WriteHeader, Write or
// Flush, or after next returns if it wrote nothing. The save adds the
// Set-Cookie header with Vary: Cookie and Cache-Control: no-cache="Set-Cookie".
// A save that fails before the headers are out goes to Options.ErrorHandler,
// which answers instead of next. A change made after the headers went out
// is saved when the driver can do so without a new cookie (server-side
// stores keeping the same ID) and otherwise reported to the ErrorHandler as
// [ErrHeadersWritten].
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{m: m, rw: w}
		st.ctx.Context = r.Context()
		st.ctx.st = st
		st.req = r.WithContext(&st.ctx)
		st.w.st = st
		defer st.unlock() // a lock still held when the handler panics
		next.ServeHTTP(&st.w, st.req)
		st.finish()
	})
}

// state is one request's session bookkeeping. It is allocated once per
// request and holds the context and the response writer that point back to it.
type state struct {
	m   *Manager
	rw  http.ResponseWriter
	req *http.Request
	ctx stateCtx
	w   writer

	mu        sync.Mutex
	loaded    bool
	sessVal   Session // the session, once loaded without error
	err       error
	token     string // the cookie value the browser holds
	gone      bool   // a driver reported ErrSessionGone: save nothing more
	detached  detachedCtx
	committed bool // headers are out (or the connection was hijacked)
	failed    bool // the ErrorHandler answered instead of the handler

	exclusive bool   // the request came through Manager.Exclusive
	lock      string // the session lock it holds, or ""
	locked    string // the cookie value naming the locked session
}

// detachedCtx carries a request context's values without its deadline or
// cancellation, for saves. (context.WithoutCancel would allocate.)
type detachedCtx struct{ context.Context }

func (detachedCtx) Deadline() (time.Time, bool) { return time.Time{}, false }
func (detachedCtx) Done() <-chan struct{}       { return nil }
func (detachedCtx) Err() error                  { return nil }

type stateCtx struct {
	context.Context
	st *state
}

// Value returns the request's state for the package's key.
func (c *stateCtx) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return c.st
	}
	return c.Context.Value(key)
}

func (st *state) session() (*Session, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.loaded {
		return st.loadedSession(), st.err
	}
	st.loaded = true
	m := st.m
	// A cookie of the same name set for a more specific path or a parent
	// domain may come first: try a few until one names a session.
	var tokens [3]string
	n := cookieValues(st.req.Header, m.o.Name, tokens[:])
	st.token = tokens[0]
	sess := &st.sessVal // allocated with the state
	now := m.o.Clock()
	for _, token := range tokens[:n] {
		rec, err := st.load(token)
		if err != nil {
			st.err = err
			return nil, st.err
		}
		if rec == nil {
			continue
		}
		if m.expired(rec, now) {
			if sess.oldID == "" { // the first expired one goes at the save
				st.token, sess.oldID = token, rec.ID
			}
			continue // a live session may follow
		}
		st.token, sess.oldID = token, ""
		sess.load(rec)
		break
	}
	sess.report = m.report
	return sess, nil
}

// load loads the session that token names, taking its lock first when
// the request is exclusive: it waits while another request holds the lock,
// up to Options.LockWait.
func (st *state) load(token string) (*Record, error) {
	m := st.m
	ctx := st.req.Context()
	if !st.exclusive {
		rec, err := m.d.Load(ctx, m.o.Name, token)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLoad, err)
		}
		return rec, nil
	}
	if st.lock != "" {
		st.unlock() // one lock at a time: a previous cookie's session was expired
	}
	l := m.d.(Locker)
	lock := NewID()
	start := time.Now()
	deadline := start.Add(m.o.LockWait)
	for pause := time.Millisecond; ; pause = min(2*pause, 50*time.Millisecond) {
		rec, err := l.LoadLocked(ctx, m.o.Name, token, lock, m.o.LockTTL)
		switch {
		case err == nil:
			if rec != nil {
				st.lock, st.locked = lock, token
			}
			return rec, nil
		case !errors.Is(err, ErrLocked):
			return nil, fmt.Errorf("%w: %w", ErrLoad, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("%w: waited %v for the session's lock", ErrLocked, time.Since(start).Round(time.Millisecond))
		}
		pause = min(pause, left) // the last try comes at the deadline
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrLocked, ctx.Err())
		case <-time.After(pause):
		}
	}
}

// unlock releases the session lock the request holds, if any.
func (st *state) unlock() {
	if st.lock == "" {
		return
	}
	st.detached.Context = st.req.Context()
	if err := st.m.d.(Locker).Unlock(&st.detached, st.m.o.Name, st.locked, st.lock); err != nil {
		st.m.o.Logger.Warn("sessgen: releasing a session lock failed; it expires by itself", "err", err)
	}
	st.lock = ""
}

// loadedSession returns the request's session, or nil if it was not
// loaded (or failed to load).
func (st *state) loadedSession() *Session {
	if st.loaded && st.err == nil {
		return &st.sessVal
	}
	return nil
}

// expired reports whether rec's session ended: its idle timeout or its
// lifetime passed, or the deadline it was given when issued (which a
// Lifetime raised since does not extend, so that an owner index keyed by
// it never outlives a session).
func (m *Manager) expired(rec *Record, now time.Time) bool {
	idle, lifetime := m.timeouts(rec)
	return now.Sub(rec.Active) >= idle || now.Sub(rec.Created) >= lifetime || !rec.Deadline.IsZero() && !now.Before(rec.Deadline)
}
