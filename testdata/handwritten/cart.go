// Package handwritten is an error test case: the default output file
// exists and sessgen did not generate it.
package handwritten

// Cart is the schema.
type Cart struct{ Total int }
