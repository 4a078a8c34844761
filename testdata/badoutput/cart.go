// Package badoutput is an error test case: -output outside the package
// directory.
package badoutput

// Cart is the schema.
type Cart struct{ Total int }
