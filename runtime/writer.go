package runtime

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"strings"
)

// errAborted is what the handler's writes return after the ErrorHandler
// answered the request instead.
var errAborted = errors.New("sessgen: response replaced by the session error handler")

// writer is the http.ResponseWriter the handler sees: it saves the session
// just before the response is committed.
type writer struct{ st *state }

// Header returns the underlying writer's header map.
func (w *writer) Header() http.Header { return w.st.rw.Header() }

// WriteHeader saves the session, then sends the status line and headers.
// Informational (1xx) responses pass through without committing.
func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.st.rw.WriteHeader(code)
		return
	}
	if w.st.commit() {
		w.st.rw.WriteHeader(code)
	}
}

// Write saves the session if the headers are not out yet, then writes b.
func (w *writer) Write(b []byte) (int, error) {
	if !w.st.commit() {
		return 0, errAborted
	}
	return w.st.rw.Write(b)
}

// Flush commits the response and flushes it, through the underlying
// writer's Unwrap chain if need be.
func (w *writer) Flush() { _ = w.FlushError() }

// FlushError is Flush reporting failure; http.ResponseController uses it.
func (w *writer) FlushError() error {
	if !w.st.commit() {
		return errAborted
	}
	return http.NewResponseController(w.st.rw).Flush()
}

// Hijack hands over the connection. No cookie can be sent any more: a session
// change is saved after the handler returns if the driver can keep the
// browser's cookie, and reported otherwise. If hijacking fails, the response
// goes on as before.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.st.mu.Lock()
	was := w.st.committed
	w.st.committed = true
	w.st.mu.Unlock()
	conn, rw, err := http.NewResponseController(w.st.rw).Hijack()
	if err != nil {
		w.st.mu.Lock()
		w.st.committed = was
		w.st.mu.Unlock()
	}
	return conn, rw, err
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.st.rw }

// discard is the writer given to the ErrorHandler after the response was
// committed: it can log, but nothing it writes reaches the client.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

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
	st.unlock() // the response is committed: the next request may go
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
