// Package redistest starts real redis-server processes for tests: a
// standalone server, which a test can stop and restart on the same port, a
// Sentinel watching one, and a three-master Redis Cluster. Everything
// listens on 127.0.0.1 only, in a temporary directory, without persistence,
// and is stopped on t.Cleanup.
//
// The redis-server and redis-cli binaries must be on PATH (Debian and Ubuntu:
// apt-get install redis-server redis-tools). A missing binary fails the test;
// Redis tests never skip.
package redistest
