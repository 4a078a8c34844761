package runtime

import (
	"bufio"
	"errors"
	"net"
	"net/http"
	"net/textproto"
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

// cookieValues stores the non-empty values of the cookies called name into
// dst, in the order the browser sent them, and returns how many it stored
// (at most len(dst)). It does not allocate.
func cookieValues(h http.Header, name string, dst []string) int {
	n := 0
	for _, line := range h["Cookie"] {
		for line != "" && n < len(dst) {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(textproto.TrimString(part), "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if v != "" {
				dst[n] = v
				n++
			}
		}
	}
	return n
}
