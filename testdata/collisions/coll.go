// Package collisions is an error test case: generated method names that
// would collide.
package collisions

// Session has fields whose generated methods collide.
type Session struct {
	ID          string
	All         int
	Reset       bool
	Notice      string `session:"notice,flash"`
	FlashNotice string `session:"flash_notice"`
	Cart        int
	HasCart     bool
	Raw         []byte
	Owner       string
	Fine        int
}
