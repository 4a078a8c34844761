// Package handwritten: this file is written by hand and must survive.
package handwritten

// Total is hand-written code that happens to live in cart_sess.go.
func Total(c Cart) int { return c.Total }
