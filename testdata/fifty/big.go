// Package fifty is a golden test case and the generation benchmark: a
// schema of 50 fields.
package fifty

// Big has 50 session fields.
type Big struct {
	Field00 int64
	Field01 string
	Field02 bool
	Field03 float64
	Field04 []string
	Field05 uint16
	Field06 map[string]int
	Field07 []byte
	Field08 int64
	Field09 string
	Field10 bool
	Field11 float64
	Field12 []string
	Field13 uint16
	Field14 map[string]int
	Field15 []byte
	Field16 int64
	Field17 string
	Field18 bool
	Field19 float64
	Field20 []string
	Field21 uint16
	Field22 map[string]int
	Field23 []byte
	Field24 int64
	Field25 string
	Field26 bool
	Field27 float64
	Field28 []string
	Field29 uint16
	Field30 map[string]int
	Field31 []byte
	Field32 int64
	Field33 string
	Field34 bool
	Field35 float64
	Field36 []string
	Field37 uint16
	Field38 map[string]int
	Field39 []byte
	Field40 int64
	Field41 string
	Field42 bool
	Field43 float64
	Field44 []string
	Field45 uint16
	Field46 map[string]int
	Field47 []byte
	Field48 int64
	Field49 string
}
