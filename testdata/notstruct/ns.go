// Package notstruct is an error test case: -type names things that are not
// struct types.
package notstruct

// Count is not a struct.
type Count int

// Alias is an alias.
type Alias = struct{ X int }

// Value is a variable.
var Value = 1
