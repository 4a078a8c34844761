// Package quirks is a golden test case: struct tags that cannot be raw
// strings, channel types that need parentheses, a lock in the schema (go
// vet's copylocks), and an unexported non-ASCII schema name.
package quirks

import "sync"

// Quirks is a schema whose skipped fields are hard to spell.
type Quirks struct {
	Total    int                 "session:\"total\" note:\"nul\x00\""
	Latin1   int                 "session:\"latin1\" note:\"\xff\""
	Tabbed   string              "session:\"tabbed\" note:\"a\tb\""
	BOM      string              "session:\"bom\" note:\"\ufeff\""
	Quote    string              "session:\"quote\" note:\"`\""
	Nested   chan (<-chan int)   `session:"-"`
	SendRecv chan<- (<-chan int) `session:"-"`
	RecvSend chan (chan<- int)   `session:"-"`
	mu       sync.Mutex
	Lock     sync.RWMutex `session:"-"`
}

// über is unexported and starts with a non-ASCII letter.
type über struct {
	Größe int `session:"size"`
}
