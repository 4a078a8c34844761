// Package redis is a sessgen driver that keeps sessions in Redis, on
// github.com/redis/go-redis/v9. It works with a standalone server, Sentinel
// (a failover client) and Redis Cluster alike.
//
//	driver, err := redis.New(client, redis.Options{Namespace: "shop"})
//
// Each session is one hash, <namespace>:session:<id>; the cookie carries only
// the ID. Loading is one HGETALL; saving is one EVALSHA of a Lua script that
// writes only the keys the request changed, and writes nothing into a session
// another request ended meanwhile (Save then returns runtime.ErrSessionGone).
// Whether every key lives on one server is decided from the client's Go
// type: only a *goredis.Client is taken for one; anything else costs one
// more round trip on Regenerate and Invalidate.
//
// go-redis's default timeouts let a request wait tens of seconds on a server
// that does not answer. docs/redis.md of the repository gives client settings
// that fail fast, and describes the key layout, the script, round trips,
// concurrency and timeouts.
package redis
