// Package runtime holds one HTTP request's session and the net/http
// middleware that loads and saves it through a [Driver].
//
// Build a [Manager] over a driver (package drivers picks one from
// configuration), wrap the routes with [Manager.Middleware], and reach the
// request's session from its context: through the typed accessors that
// cmd/sessgen generates (ShopSessionFrom(ctx) for a schema type Shop), or
// untyped with [From]. A request that never asks for its session costs no
// decoding and no driver call; a session is saved only when it changed, just
// before the response is committed.
//
// Values are stored per key as msgpack bytes, through the codecs here
// ([String], [Signed], [Value], ...) and the helpers [Lookup], [Store],
// [Pull] and [Add]. Data keys and flash keys are separate namespaces; a value
// flashed during request N is readable during N and N+1, and gone from N+2
// on. Errors callers branch on are sentinels ([ErrLoad], [ErrNoSession],
// ...), returned wrapped; [ServeError] answers them.
//
// The request flow, flash data, options and errors are described in
// docs/runtime.md of the repository.
package runtime
