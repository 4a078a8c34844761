// Package ownschema is an error test case: -output names the schema's own
// file.
package ownschema

// Cart is the schema.
type Cart struct{ Total int }
