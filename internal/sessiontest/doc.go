// Package sessiontest is the conformance suite every sessgen driver passes:
// real HTTP round trips through runtime.Manager's middleware, over TLS, with
// a cookie jar and an injectable clock.
package sessiontest
