// Package gen is sessgen's generator. It turns a Go struct annotated with
// `session:"..."` tags into typed session accessors built on package
// runtime.
//
// Data flows one way: [Load] reads a package with full type information,
// [Generate] builds a small model of each schema struct (fields, keys,
// codecs, flash or not) and renders one Go file from it. Generate is a pure
// function that returns file contents; only cmd/sessgen writes files.
//
// The schema rules, the generated API and the errors are described in
// docs/generator.md of the repository.
package gen
