package undefined

// total uses the accessors; before generation CartSession is undefined,
// which is not the problem to report.
func total(s CartSession) int { return s.Total() }
