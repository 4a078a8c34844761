// Package redistest starts real Redis or Valkey servers for tests: a
// standalone server, which a test can stop and restart on the same port; a
// replica of it; Sentinels that fail over to the replica when the master is
// killed; and a Redis Cluster of three masters, with or without one replica
// each. Everything listens on 127.0.0.1 only, in a temporary directory,
// without persistence, and is stopped on t.Cleanup.
//
// The environment variable REDISTEST_SERVER ([EnvServer]) selects the
// implementation: redis-server and redis-cli by default, valkey-server and
// valkey-cli with REDISTEST_SERVER=valkey. The binaries must be on PATH. A
// missing binary fails the test; Redis tests never skip. Every server
// started logs its implementation and version (go test -v shows them), and
// a server that reports another implementation than the one selected fails
// the test.
package redistest
