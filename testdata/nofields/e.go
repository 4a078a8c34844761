// Package nofields is an error test case: a schema without session
// fields.
package nofields

// Empty has no session values.
type Empty struct {
	hidden  int
	Skipped string `session:"-"`
}
