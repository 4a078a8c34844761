// Package cookie is the sessgen driver that keeps the whole session in one
// encrypted, authenticated cookie. It needs no server.
//
//	d, err := cookie.New(secret, previousSecrets...) // secrets of 32 bytes or more
//
// Each save seals the session (its ID, issue time, last activity and values)
// with AES-256-GCM under a key derived from the secret, with a fresh random
// nonce; the format version and the cookie's name are authenticated too. A
// cookie that was tampered with, truncated, sealed with an unknown key or is
// otherwise unreadable loads as no session (a fresh one), never an error.
// Previous secrets still open cookies, for key rotation.
//
// The format, the secret advice and the limits of cookie sessions are in
// docs/security.md of the repository.
package cookie
