//go:build ignore

package elsewhere

// Windows is declared in a file that build constraints exclude.
type Windows struct{ Total int }
