// Package generic is an error test case: a generic schema.
package generic

// Box is generic.
type Box[T any] struct{ Value T }
