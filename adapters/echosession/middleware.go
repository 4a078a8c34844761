// Package echosession runs sessgen sessions in an echo (v4) server.
//
// Install [Middleware] with e.Use (or on a group or route). Handlers after
// it get the request's session from c.Request().Context(), with the
// generated XSessionFrom or with runtime.From, and the session is saved
// just before the response is committed, however the handler answers:
// c.JSON, c.String, c.Redirect, c.NoContent, c.Stream, nothing at all, or an
// error. A save that fails before the headers are out goes to the manager's
// ErrorHandler, which answers instead of the handler, as with
// runtime.Manager.Middleware.
//
// A handler's error is answered by echo's HTTPErrorHandler inside the
// middleware, so the session as the handler left it is saved with the
// error response: a flash message set before returning
// echo.NewHTTPError(400, ...) is shown on the next page. The error is then
// returned as well, for the middleware before this one; echo's default
// error handler answers nothing for a committed response. (This is what
// echo's RequestLogger does with HandleError.)
package echosession

import (
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/sessgen/sessgen/runtime"
)

// Middleware returns echo middleware that gives the handlers after it the
// sessions of m. It runs them inside m.Middleware, so everything the
// manager and its options promise for net/http holds here too. A handler
// that panics before the headers go out saves nothing: echo's Recover
// answers with the session left as the browser had it.
func Middleware(m *runtime.Manager) echo.MiddlewareFunc {
	var pool sync.Pool
	pool.New = func() any {
		b := new(bridge)
		b.h = m.Middleware(b)
		return b
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			b := pool.Get().(*bridge)
			err := b.serve(c, next)
			pool.Put(b)
			return err
		}
	}
}

// A bridge carries one echo request into the manager's net/http middleware
// and back into echo's handler chain. Bridges are pooled, each with the
// handler m.Middleware built around it.
type bridge struct {
	h    http.Handler // m.Middleware(bridge)
	c    echo.Context
	next echo.HandlerFunc
	err  error // what next returned
}

// serve runs next inside the manager's middleware, which writes through
// c's Response. Handlers get a Response of their own over the manager's
// writer; c's, restored afterwards (even on a panic, so that a recovery
// handler's answer does not save the session of a request that failed),
// records what actually went out, the ErrorHandler's answer included.
func (b *bridge) serve(c echo.Context, next echo.HandlerFunc) error {
	res := c.Response()
	defer c.SetResponse(res)
	b.c, b.next = c, next
	b.h.ServeHTTP(res, c.Request())
	err := b.err
	b.c, b.next, b.err = nil, nil, nil
	return err
}

// ServeHTTP runs next with the request that carries the session and a
// Response that commits through w, the manager's writer.
func (b *bridge) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := b.c
	c.SetRequest(r)
	res := echo.NewResponse(w, c.Echo())
	res.Status = http.StatusOK // as echo resets its own
	c.SetResponse(res)
	if b.err = b.next(c); b.err != nil {
		c.Error(b.err)
	}
}
