// Package cart is a small example of sessgen: a shopping cart kept in the
// session, with typed accessors generated from the Cart struct.
package cart

import "time"

//go:generate go tool sessgen -type Cart

// Cart is the session schema: one field per session value. The generated
// CartSession reads and writes each field under its key.
type Cart struct {
	CartID  int64     // key "cart_id"
	Items   []Item    `session:"items"`
	Visits  uint32    // key "visits"
	Updated time.Time // key "updated"
	Notice  string    `session:"notice,flash"`
}

// Item is one line of the cart.
type Item struct {
	SKU      string
	Quantity int
}
