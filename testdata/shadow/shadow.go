// Package shadow is a golden test case: the package declares the names
// that generated receivers, parameters and locals would otherwise use, and
// an unexported schema called sess.
package shadow

type (
	v   int
	by  int
	x   int
	s   string
	ctx bool
	err string
	ok  bool
)

// Cart uses every one of those types.
type Cart struct {
	V   v
	By  by
	X   x
	S   s
	Ctx ctx
	Err err
	OK  ok `session:"ok,flash"`
}

// sess is an unexported schema whose name is the usual receiver's.
type sess struct {
	Count int
}
