// Package cycle is an error test case: a field whose generic type
// instantiates itself without end, which the compiler rejects.
package cycle

// G nests G[[]T] inside G[T]: an instantiation cycle.
type G[T any] struct {
	V    T
	Next *G[[]T]
}

// Cart is the schema.
type Cart struct {
	X G[int]
}
