package main

import "fmt"

// A Product is something the shop sells.
type Product struct {
	SKU   string
	Name  string
	Cents int // price in cents
}

// Price formats the product's price.
func (p Product) Price() string { return money(p.Cents) }

// catalog is the shop's fixed product list, in display order.
var catalog = []Product{
	{SKU: "tea", Name: "Green tea", Cents: 450},
	{SKU: "coffee", Name: "Coffee beans", Cents: 1290},
	{SKU: "mug", Name: "Gopher mug", Cents: 900},
	{SKU: "cocoa", Name: "Hot cocoa", Cents: 380},
}

// productBySKU returns the catalog's product with the given SKU.
func productBySKU(sku string) (Product, bool) {
	for _, p := range catalog {
		if p.SKU == sku {
			return p, true
		}
	}
	return Product{}, false
}

// addItem returns items with one more of sku: the line's quantity goes up,
// or a new line is appended.
func addItem(items []Item, sku string) []Item {
	for i := range items {
		if items[i].SKU == sku {
			items[i].Quantity++
			return items
		}
	}
	return append(items, Item{SKU: sku, Quantity: 1})
}

// A Line is one row of the cart page.
type Line struct {
	Product
	Quantity int
}

// Subtotal formats the line's price times its quantity.
func (l Line) Subtotal() string { return money(l.Cents * l.Quantity) }

// lines resolves the cart's items against the catalog, skipping products
// that are no longer sold, and returns the total in cents.
func lines(items []Item) ([]Line, int) {
	var ls []Line
	total := 0
	for _, it := range items {
		p, ok := productBySKU(it.SKU)
		if !ok || it.Quantity <= 0 {
			continue
		}
		ls = append(ls, Line{Product: p, Quantity: it.Quantity})
		total += p.Cents * it.Quantity
	}
	return ls, total
}

func money(cents int) string { return fmt.Sprintf("$%d.%02d", cents/100, cents%100) }
