package elsewhere

// Cart is declared in a test file.
type Cart struct{ Total int }
