package runtime

// NewSessionWithLogger exposes newSessionWithLogger to the package's
// external tests.
var NewSessionWithLogger = newSessionWithLogger
