// Package badtags is an error test case: every rejected tag.
package badtags

// Tags has bad keys, options, duplicates, embedded and unexported fields.
type Tags struct {
	Space    int    `session:"has space"`
	Slash    int    `session:"a/b"`
	Long     int    `session:"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`
	Option   int    `session:"opt,sticky"`
	First    string `session:"dup"`
	Second   string `session:"dup"`
	UserName string
	Other    string `session:"user_name,flash"`
	Embedded
	private int `session:"private"`
	Fine    int `session:"ok.key-1"`
	Twice   int `session:"twice,flash,flash"`
	Comma   int `session:"comma,"`
	Spaced  int `session: "spaced"`
	Two     int `session:"a" session:"b"`
	embedded
	*Pointer
}

// Embedded is embedded in Tags.
type Embedded struct{ X int }

// embedded is embedded in Tags, unexported.
type embedded struct{ Y int }

// Pointer is embedded in Tags through a pointer.
type Pointer struct{ Z int }
