// Package foreign is an error test case: schemas defined over struct types
// of other packages, with unexported fields this package cannot name.
package foreign

import (
	"strings"
	"time"
)

// Cart is defined over strings.Builder.
type Cart strings.Builder

// Stamp is defined over time.Time.
type Stamp time.Time
