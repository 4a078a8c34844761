//go:build !plan9 && (linux || darwin || windows || freebsd)

// Package constraint is a golden test case: the schema's file has a build
// constraint, which the generated file must repeat.
package constraint

// Cart is the schema.
type Cart struct{ Total int }
