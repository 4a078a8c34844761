// Package ginsession runs sessgen sessions in a gin engine.
//
// Install [Middleware] with engine.Use (or on a group or route). Handlers
// after it get the request's session from c.Request.Context(), with the
// generated XSessionFrom or with runtime.From, and the session is saved
// just before the response is committed, however the handler answers: a
// render such as c.JSON or c.Redirect, c.Stream, c.AbortWithStatus,
// c.Status alone, or nothing at all. A save that fails before the headers
// are out goes to the manager's ErrorHandler, which answers instead of the
// handler, as with runtime.Manager.Middleware.
//
// With engine.ContextWithFallback set, the *gin.Context itself also works as
// the context: XSessionFrom(c).
package ginsession

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/sessgen/sessgen/runtime"
)

// Middleware returns gin middleware that gives the handlers after it the
// sessions of m. It runs them inside m.Middleware, so everything the
// manager and its options promise for net/http holds here too. A handler
// that panics before the headers go out saves nothing: gin's Recovery
// answers with the session left as the browser had it.
func Middleware(m *runtime.Manager) gin.HandlerFunc {
	var pool sync.Pool
	pool.New = func() any {
		b := new(bridge)
		b.h = m.Middleware(b)
		return b
	}
	return func(c *gin.Context) {
		b := pool.Get().(*bridge)
		b.serve(c)
		pool.Put(b)
	}
}

// A bridge carries one gin request into the manager's net/http middleware
// and back into gin's handler chain. Bridges are pooled, each with the
// handler m.Middleware built around it, so a request allocates nothing here.
type bridge struct {
	h http.Handler // m.Middleware(bridge)
	c *gin.Context
	w writer // what c.Writer is while the chain runs
}

// serve runs the rest of c's chain inside the manager's middleware, which
// writes through gin's own writer.
func (b *bridge) serve(c *gin.Context) {
	orig := c.Writer
	b.c, b.w.gin = c, orig
	// Restored even on a panic, so that a recovery handler's answer does not
	// save the session of a request that failed.
	defer func() { c.Writer = orig }()
	b.h.ServeHTTP(orig, c.Request)
	b.c, b.w = nil, writer{}
}

// ServeHTTP runs the chain with the request that carries the session and a
// writer that commits through w, the manager's writer.
func (b *bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.w.sess = w
	b.c.Request = r
	b.c.Writer = &b.w
	b.c.Next()
}
