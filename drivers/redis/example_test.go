package redis_test

import (
	"log"
	"net/http"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/runtime"
)

// Sessions in Redis behind net/http. The client is set to fail fast, so
// that a request waits at most about a second when Redis is down or hangs;
// the handler then answers 503 through runtime.ServeError.
// ContextTimeoutEnabled lets the driver's Timeout bound each Load and Save
// as a whole (go-redis ignores context deadlines on socket I/O without it,
// and redis.New refuses a Timeout then). For Sentinel use
// goredis.NewFailoverClient, for Cluster goredis.NewClusterClient, with the
// same settings; the driver is the same.
func Example() {
	client := goredis.NewClient(&goredis.Options{
		Addr:                  "127.0.0.1:6379",
		Password:              "",
		DB:                    0,
		DialTimeout:           500 * time.Millisecond,
		DialerRetries:         1,
		ReadTimeout:           500 * time.Millisecond,
		WriteTimeout:          500 * time.Millisecond,
		MaxRetries:            1,
		ContextTimeoutEnabled: true,
	})
	defer client.Close()

	driver, err := redis.New(client, redis.Options{Namespace: "myapp", Timeout: time.Second})
	if err != nil {
		log.Fatal(err)
	}
	sessions, err := runtime.NewManager(driver, runtime.Options{IdleTimeout: time.Hour})
	if err != nil {
		log.Fatal(err)
	}

	views := runtime.Signed[int64]{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil { // Redis unreachable: 503 Service Unavailable
			runtime.ServeError(w, r, err)
			return
		}
		n := runtime.Add(s, "views", 1, views)
		w.Write([]byte("views: " + strconv.FormatInt(n, 10)))
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", sessions.Middleware(mux)))
}
