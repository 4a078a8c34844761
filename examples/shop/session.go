package main

//go:generate go tool sessgen -type Shop

// Shop is the session schema: one field per value the shop keeps in a
// visitor's session. sessgen generates ShopSession from it, with typed
// accessors for every field (SetCartID, Items, FlashNotice, ...).
type Shop struct {
	CartID string   // key "cart_id", set by the first "add to cart"
	Items  []Item   // key "items"
	User   string   // key "user", the signed-in user's name
	Notice string   `session:"notice,flash"` // "Added Green tea", shown once
	Errors []string `session:"errors,flash"` // a rejected form's errors
	Old    Checkout `session:"old,flash"`    // a rejected form's input
}

// Item is one line of the cart.
type Item struct {
	SKU      string
	Quantity int
}

// Checkout is the input of the checkout form.
type Checkout struct {
	Name  string
	Email string
}
