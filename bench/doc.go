// Package bench compares sessgen with the session libraries Go users would
// pick instead, on one identical request cycle, and measures how close each
// gets to the floor: net/http's own cost, the crypto, the encoding and one
// Redis round trip.
//
// It is a separate module (its own go.mod, with a replace directive pointing
// at the repository root) so that the peers never enter sessgen's own
// dependencies. Everything lives in the tests; the package itself is empty.
//
// Run the whole comparison, with its own redis-server, with ./run; README.md
// in this directory has the method, the results and how to read them.
package bench
