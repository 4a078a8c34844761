// Command sessgen generates type-safe HTTP session accessors from an
// annotated Go struct.
//
// Usage:
//
//	sessgen -type Shop[,Other] [-type More] [-output file.go] [-check] [-allow-breaking] [dir]
//	sessgen -check [-allow-breaking] [packages]
//
// Under go generate (//go:generate go tool sessgen -type Shop) it works on
// the package of $GOFILE; otherwise on the package in dir (default "."). It
// writes one file, by default "<first type, lowercased>_sess.go" next to the
// schema, and never replaces a file it did not generate, nor one whose
// schema changed in a way that stored sessions would not survive, unless
// -allow-breaking. Problems are printed as "file.go:line:col: message", all
// at once, and nothing is written. With -check it writes nothing and exits 1
// when the file on disk is missing or stale. Without -type, -check checks
// every generated file of the packages matched (default "."), and the
// session keys that the schemas of one program share.
//
// Flags, tags, types, errors and schema changes are described in
// docs/generator.md of the repository.
package main
