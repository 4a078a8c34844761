// Package gen is sessgen's generator: it turns a Go struct annotated with
// `session:"..."` tags into a file of typed session accessors built on
// package runtime.
//
// [Run] is the whole generator, a pure function from a package directory
// to file contents; only cmd/sessgen writes files. Inside, each stage hands
// its result to the next, one file each: load.go (go/packages), schema.go
// (with tags.go, and types.go and shape.go for the type rules) building
// the model (model.go, names.go), compat.go (the changes from the schema
// recorded in the file being replaced, record.go), emit.go (jennifer),
// verify.go (the package type-checked with the new file in place).
// [Check] (module.go) runs it over many packages and compares the session
// keys of schemas that can share a session.
//
// The schema tags, the generated API, the errors and the rules for
// changing a schema are described in docs/generator.md of the repository.
package gen
