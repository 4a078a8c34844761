// Package methodclash is an error test case: code in the package declares
// a method on the generated session type that sessgen also generates.
// Only type-checking the package with the new file finds it.
package methodclash

// Cart is the schema.
type Cart struct{ Total int }

// SetTotal clashes with the generated SetTotal.
func (CartSession) SetTotal(int) {}
