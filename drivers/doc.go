// Package drivers picks and builds a session driver from configuration
// shaped like Masonite's config/session:
//
//	cfg, err := drivers.FromEnv() // SESSION_DRIVER, SESSION_SECRET, REDIS_URL, ...
//	if err != nil { ... }
//	sessions, err := drivers.NewManager(cfg, runtime.Options{})
//
// [Config] holds the same keys as Masonite's file ("default", "cookie",
// "redis" with host, port, password, options.db, timeout and namespace), as
// Go fields; [Open] returns the driver it names ("cookie" by default,
// "redis" or "memory"). The keys, their environment variables and their
// defaults are listed in docs/runtime.md of the repository.
package drivers
