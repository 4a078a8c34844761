// Package toplevel is an error test case: generated top-level names that
// the package already declares.
package toplevel

// Cart is the schema.
type Cart struct{ Total int }

// CartSession is declared by hand, so sessgen cannot generate it.
type CartSession struct{}

// NewCartSession is declared by hand, too.
func NewCartSession() {}

// User's generated names are free.
type User struct{ Name string }

// NewUser shadows the constructor sessgen would generate for the schema
// NewUser only if both NewUser and User are schemas.
type NewUser struct{ Email string }
