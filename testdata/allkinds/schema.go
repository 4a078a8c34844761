// Package allkinds is a golden test case and the end-to-end schema: a
// field of every supported kind.
package allkinds

import (
	"image"
	"time"
)

// Named types over basic kinds.
type (
	Flag    bool
	Count   int16
	Size    uint
	Ratio   float32
	Name    string
	Blob    []byte
	Seconds time.Duration
	Tags    []string
	Stamp   = time.Time // an alias of time.Time is time.Time
)

// Line is a struct with exported fields, nested values and a time.
type Line struct {
	SKU   string
	Qty   int
	Price float64
	Added time.Time
	Attrs map[string]string
	Next  *Line `msgpack:",omitempty"`
}

// Kinds has a session field of every supported kind.
type Kinds struct {
	Bool     bool
	Int      int
	Int8     int8
	Int16    int16
	Int32    int32
	Int64    int64
	Uint     uint
	Uint8    uint8
	Uint16   uint16
	Uint32   uint32
	Uint64   uint64
	Uintptr  uintptr
	Byte     byte
	Rune     rune
	Float32  float32
	Float64  float64
	String   string
	Bytes    []byte
	Time     time.Time
	Duration time.Duration

	Flag    Flag
	Count   Count
	Size    Size
	Ratio   Ratio
	Name    Name
	Blob    Blob
	Seconds Seconds
	Stamp   Stamp

	Ints     []int
	Matrix   [2][3]int8
	ByName   map[string]int
	ByID     map[int64]Line
	ByCount  map[Count][]Name
	Line     Line
	LinePtr  *Line
	Point    image.Point
	Rect     image.Rectangle
	Lines    []Line
	Times    []time.Time
	Tags     Tags
	Nested   map[string][]map[string]*Line
	Anon     struct{ A, B int }
	IntPtr   *int
	BlobList [][]byte

	Notice  string    `session:"notice,flash"`
	Alert   Line      `session:"alert,flash"`
	Errs    []string  `session:",flash"`
	Until   time.Time `session:"until,flash"`
	Counter int       `session:"flash.counter,flash"`
}
