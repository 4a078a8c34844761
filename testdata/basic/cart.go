// Package basic is a golden test case: a typical shopping-cart session.
package basic

import "time"

// UserID identifies a user.
type UserID int64

// Item is one line of a cart.
type Item struct {
	SKU      string
	Quantity int
}

// Cart is the session schema.
type Cart struct {
	CartID    int64
	User      UserID `session:"uid"`
	Items     []Item
	Updated   time.Time
	Notice    string `session:"notice,flash"`
	internal  int
	Scratch   string `session:"-"`
	HTTPCount uint32
}
