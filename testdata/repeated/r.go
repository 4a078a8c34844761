// Package repeated is a golden test case: -type given twice adds up.
package repeated

// Cart is one schema.
type Cart struct{ Total int }

// Prefs is another.
type Prefs struct{ Theme string }
