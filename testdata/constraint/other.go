// Package constraint has a file without constraints, so that it has Go
// files on every platform.
package constraint
