// Package undefined is an error test case: undefined types in fields that
// are not session values.
package undefined

// Cart is the schema.
type Cart struct {
	Total   int
	Skipped Undefined `session:"-"`
	hidden  []Missing
}
