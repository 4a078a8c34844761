// Package notfound is an error test case: -type names a type that does not
// exist.
package notfound

// Cart exists; Missing does not.
type Cart struct{ Total int }
