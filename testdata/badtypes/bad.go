// Package badtypes is an error test case: every rejected field type.
package badtypes

import (
	"time"
	"unsafe"
)

// Stamp is defined over time.Time but is not time.Time.
type Stamp time.Time

// Hidden has an unexported field.
type Hidden struct {
	Visible int
	secret  string
}

// Shape is an interface.
type Shape interface{ Area() float64 }

// Events is a named channel type.
type Events chan int

// Bad has one field of every rejected kind.
type Bad struct {
	Chan     chan int
	Func     func() error
	Complex  complex128
	Pointer  unsafe.Pointer
	Any      any
	Shape    Shape
	Nested   map[string]any
	Funcs    []func()
	Hidden   Hidden
	Hiddens  []*Hidden
	Stamp    Stamp
	FloatKey map[float64]int
	BoolKey  map[bool]string
	Events   Events
	Complex8 [2]complex64
	Fine     int
}
