package runtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxCookie is the largest name=value a browser is guaranteed to keep
// (RFC 6265 section 6.1).
const maxCookie = 4096

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
// so that clients and load balancers retry, and 500 otherwise (a cookie too
// large, a change after the headers). It logs err with slog's default
// logger. It is also what the default Options.ErrorHandler answers.
func ServeError(w http.ResponseWriter, r *http.Request, err error) {
	serveError(slog.Default(), w, r, err)
}

func serveError(logger *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	if errors.Is(err, ErrLoad) || errors.Is(err, ErrSave) {
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
		rec, err := m.d.Load(st.req.Context(), m.o.Name, token)
		if err != nil {
			st.err = fmt.Errorf("%w: %w", ErrLoad, err)
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

// loadedSession returns the request's session, or nil if it was not
// loaded (or failed to load).
func (st *state) loadedSession() *Session {
	if st.loaded && st.err == nil {
		return &st.sessVal
	}
	return nil
}

func (m *Manager) expired(rec *Record, now time.Time) bool {
	return now.Sub(rec.Active) >= m.o.IdleTimeout || now.Sub(rec.Created) >= m.o.Lifetime
}

// save stores the session if it needs storing. With headers, it adds the
// cookie to the response; without, it fails with ErrHeadersWritten when the
// browser's cookie would have to change. st.mu is held.
func (st *state) save(headers bool) error {
	sess := st.loadedSession()
	if sess == nil {
		return nil
	}
	m := st.m
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if st.gone {
		return nil // ended by another request: what this one did is dropped
	}
	now := m.o.Clock()
	if !sess.stored && sess.oldID == "" && sess.emptyLocked() {
		if headers && st.token != "" { // a cookie that named no session: drop it
			m.addCookie(st.rw.Header(), "", false, now, now)
		}
		return nil
	}
	// Recording activity is worth a save only while a cookie can still go out.
	touch := headers && sess.stored && now.Sub(sess.rec.Active) >= m.o.TouchInterval
	if !sess.dirtyLocked() && !touch {
		return nil
	}
	if !headers {
		if !sess.changedLocked() {
			// Only an optional re-seal or an expired record's removal is
			// pending: the next request (or the store's TTL) sees to those.
			return nil
		}
		if !sess.stored || sess.oldID != "" && !sess.emptyLocked() {
			// A new session or a new ID needs a cookie the browser can no
			// longer get: store nothing, so the session it holds stays intact.
			return fmt.Errorf("%w: the session needs a new cookie", ErrHeadersWritten)
		}
	}
	created := sess.rec.Created
	if created.IsZero() || !sess.stored {
		created = now
		sess.rec.Created = now
	}
	expires := now.Add(m.o.IdleTimeout)
	if end := created.Add(m.o.Lifetime); end.Before(expires) {
		expires = end
	}
	rec, ch := sess.prepareLocked(now, expires)
	// Neither a client that went away nor a handler's deadline may cut the
	// save of what the request did short: drivers bound it themselves.
	st.detached.Context = st.req.Context()
	token, err := m.d.Save(&st.detached, m.o.Name, rec, ch)
	if errors.Is(err, ErrSessionGone) {
		st.gone = true
		m.o.Logger.Info("sessgen: a request's session changes were dropped: the session ended meanwhile", "err", err)
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSave, err)
	}
	if n := len(m.prefix) + len(token); n > maxCookie {
		return fmt.Errorf("%w: %s=... would be %d bytes (limit %d); store less in the session or use a server-side driver",
			ErrCookieTooLarge, m.o.Name, n, maxCookie)
	}
	switch {
	case headers:
		// A server-side store keeps the cookie's value; the browser already
		// holds it unless it must learn a new expiry or persistence.
		if persist := m.persists(rec); token != st.token || persist || sess.meta {
			m.addCookie(st.rw.Header(), token, persist, now, expires)
		}
	case token == "" && st.token != "" && (st.token == ch.OldID || st.token == rec.ID):
		// A server-side store destroyed the record the browser's cookie
		// names (a logout): the stale cookie now opens nothing. (A sealed
		// cookie value never equals an ID.)
	case token != st.token:
		return fmt.Errorf("%w: the driver issued a new cookie value", ErrHeadersWritten)
	}
	sess.savedLocked(rec, token)
	st.token = token
	return nil
}

// persists reports whether rec's cookie outlives the browser session.
func (m *Manager) persists(rec *Record) bool {
	return rec.Persist > 0 || rec.Persist == 0 && m.o.Persist
}

// unixEpoch is the Expires of a cookie being removed.
const unixEpoch = "Thu, 01 Jan 1970 00:00:00 GMT"

// addCookie adds Set-Cookie for token ("" removes the cookie), persistent
// until expires if persist is set, and the Cache-Control that keeps shared
// caches from storing it. (Vary: Cookie is added by commit.) Max-Age and
// Expires go together, for clients that know only Expires; Max-Age rounds
// up, so a cookie never ends before its session.
func (m *Manager) addCookie(h http.Header, token string, persist bool, now, expires time.Time) {
	var b strings.Builder
	b.Grow(len(m.prefix) + len(token) + len(m.suffix) + 56)
	b.WriteString(m.prefix)
	b.WriteString(token)
	switch {
	case token == "":
		b.WriteString("; Max-Age=0; Expires=" + unixEpoch)
	case persist:
		secs := (expires.Sub(now) + time.Second - 1) / time.Second
		var buf [48]byte
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(buf[:0], int64(max(secs, 1)), 10))
		b.WriteString("; Expires=")
		b.Write(now.Add(max(secs, 1)*time.Second).UTC().AppendFormat(buf[:0], http.TimeFormat))
	}
	b.WriteString(m.suffix)
	h["Set-Cookie"] = append(h["Set-Cookie"], b.String())
	h["Cache-Control"] = append(h["Cache-Control"], `no-cache="Set-Cookie"`)
}

// commit saves before the headers go out. It reports whether the handler's
// response may proceed. st.mu is not held.
func (st *state) commit() bool {
	st.mu.Lock()
	if st.committed {
		ok := !st.failed
		st.mu.Unlock()
		return ok
	}
	st.committed = true
	err := st.save(true)
	h := st.rw.Header()
	if err != nil {
		st.failed = true
		dropResponseHeaders(h)
	} else if st.loadedSession() != nil && !varies(h, "Cookie") {
		// The response may depend on the session: shared caches must key it
		// by cookie, whether or not a cookie is set.
		h["Vary"] = append(h["Vary"], "Cookie")
	}
	st.mu.Unlock()
	if err != nil {
		st.m.o.ErrorHandler(st.rw, st.req, err)
		return false
	}
	return true
}

// varies reports whether h's Vary already names field.
func varies(h http.Header, field string) bool {
	for _, v := range h["Vary"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f == "*" || strings.EqualFold(f, field) {
				return true
			}
		}
	}
	return false
}

// dropResponseHeaders removes what the handler set for the response that
// the ErrorHandler replaces: a redirect target, cookies, validators and the
// description of a body that will not be sent. Headers that describe the
// site (Content-Security-Policy, HSTS, ...) stay.
func dropResponseHeaders(h http.Header) {
	for _, k := range [...]string{"Location", "Set-Cookie", "Etag", "Last-Modified", "Content-Type", "Content-Length",
		"Content-Encoding", "Content-Range", "Content-Disposition", "Content-Language", "Content-Location"} {
		delete(h, k)
	}
}

// finish runs after the handler returned.
func (st *state) finish() {
	st.mu.Lock()
	if !st.committed {
		st.mu.Unlock()
		st.commit()
		return
	}
	var err error
	if !st.failed {
		err = st.save(false)
	}
	st.mu.Unlock()
	if err != nil {
		st.m.o.ErrorHandler(discard{}, st.req, err)
	}
}
