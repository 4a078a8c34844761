// Package elsewhere is an error test case: schemas in files the package
// does not load.
package elsewhere
