// Package runtime holds one HTTP request's session and the net/http
// middleware that loads and saves it through a [Driver].
//
// Build a [Manager] over a driver (package drivers picks one from
// configuration), wrap the routes with [Manager.Middleware], and reach the
// request's session from its context: through the accessors cmd/sessgen
// generates (ShopSessionFrom(ctx) for a schema type Shop), or with [From]
// and the helpers [Lookup], [Store] and [Add] over a [Codec]. A session is
// loaded on first use and saved, when it changed, as the response is
// committed. Errors callers branch on are sentinels, returned wrapped;
// [ServeError] answers them.
//
// docs/runtime.md of the repository describes the request flow, flash
// data, options, concurrent requests, account sessions and errors.
package runtime
