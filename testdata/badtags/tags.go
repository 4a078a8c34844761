// Package badtags is an error test case: every rejected tag.
package badtags

// Tags has bad keys, options, old keys, duplicates, embedded and unexported fields.
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
	BadOld   int `session:"bad_old,was=a b"`
	OwnOld   int `session:"own,was=own"`
	TwiceOld int `session:"twice_old,was=x,was=x"`
	StealOld int `session:"steal,was=ok.key-1"`
	OldOne   int `session:"one,was=shared"`
	OldTwo   int `session:"two,was=shared"`
	Shared   int `session:"shared"`
}

// Embedded is embedded in Tags.
type Embedded struct{ X int }

// embedded is embedded in Tags, unexported.
type embedded struct{ Y int }

// Pointer is embedded in Tags through a pointer.
type Pointer struct{ Z int }
