// Package runtime holds one HTTP request's session and the net/http middleware
// that loads and saves it through a [Driver].
//
// Application code normally uses the typed accessors that cmd/sessgen
// generates; they call the untyped API here ([Session.Get], [Session.Set],
// [Session.Flash] and the generic helpers such as [Lookup] and [Store]) with
// keys that exist only in generated code.
//
// Values are stored per key as msgpack bytes. Data keys and flash keys live in
// separate namespaces. A value flashed during request N is readable for the rest
// of request N and during request N+1, and is gone from request N+2 on.
package runtime
