// Package multi is a golden test case: two schemas in one file, an
// unexported schema, and package names that shadow the usual imports.
package multi

import "time"

// context and runtime are package-level names here, so the generated file
// must import those packages under other names.
var context, runtime = 1, 2

// Cart is one schema.
type Cart struct {
	Total int `session:"cart.total"`
}

// prefs is an unexported schema.
type prefs struct {
	Theme   string `session:"prefs.theme"`
	Expires time.Time
	Welcome bool `session:"prefs.welcome,flash"`
}
