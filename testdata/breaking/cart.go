// Package breaking is an error test case: cart_sess.go was generated from
// an earlier Cart, and every change below but the widened Visits loses
// values that stored sessions hold.
package breaking

// Cart is the schema after the changes.
type Cart struct {
	CartID  string // key "cart_id", was int64
	Items   Item   `session:"items"` // was []Item
	Lines   []Item `session:"lines"` // Item.Qty was an int
	Visits  uint64 // key "visits", was uint32: fine
	Notice  string `session:"notice"`           // was a flash value
	CartRef string `session:"cart_ref,was=ref"` // renamed from ref, which held int64
}

// Item is one line of the cart.
type Item struct {
	SKU string
	Qty string
}
