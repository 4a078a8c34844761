package ginsession

import (
	"bufio"
	"net"
	"net/http"
	"unsafe"

	"github.com/gin-gonic/gin"
)

// writer is the gin.ResponseWriter that handlers after Middleware see.
//
// gin's own writer (gin) keeps the status, the size and the header map, and
// sends the headers late: with the first byte, at WriteHeaderNow, or after
// the last handler returned. So the status is only recorded here too, and
// whatever sends goes through the manager's writer (sess) first, which saves
// the session as the headers go out and then writes to gin's writer.
//
// Every method is spelt out rather than embedded, so that a gin release
// whose ResponseWriter gains a method fails to compile here instead of
// letting that method bypass the save.
type writer struct {
	gin  gin.ResponseWriter
	sess http.ResponseWriter // the manager's writer, over gin
}

var _ gin.ResponseWriter = (*writer)(nil)

// Header returns the response's header map.
func (w *writer) Header() http.Header { return w.gin.Header() }

// WriteHeader records the status; it goes out with the headers.
func (w *writer) WriteHeader(code int) { w.gin.WriteHeader(code) }

// WriteHeaderNow saves the session and sends the headers.
func (w *writer) WriteHeaderNow() {
	if !w.gin.Written() {
		w.sess.WriteHeader(w.gin.Status())
		w.gin.WriteHeaderNow()
	}
}

// Write saves the session if the headers are not out yet, then writes b.
func (w *writer) Write(b []byte) (int, error) { return w.sess.Write(b) }

// WriteString is Write for a string, without copying it: writers must
// neither modify nor keep what they are given.
func (w *writer) WriteString(s string) (int, error) {
	return w.sess.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Flush saves the session if the headers are not out yet, then flushes.
func (w *writer) Flush() { _ = http.NewResponseController(w.sess).Flush() }

// Hijack hands over the connection, as runtime.Manager.Middleware allows.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.sess).Hijack()
}

// CloseNotify is gin's writer's.
func (w *writer) CloseNotify() <-chan bool { return w.gin.CloseNotify() }

// Status returns the response's status code.
func (w *writer) Status() int { return w.gin.Status() }

// Size returns the number of body bytes written, -1 before the headers.
func (w *writer) Size() int { return w.gin.Size() }

// Written reports whether the headers are out.
func (w *writer) Written() bool { return w.gin.Written() }

// Pusher is gin's writer's.
func (w *writer) Pusher() http.Pusher { return w.gin.Pusher() }

// Unwrap returns the manager's writer, for http.ResponseController.
func (w *writer) Unwrap() http.ResponseWriter { return w.sess }
