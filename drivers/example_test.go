package drivers_test

import (
	"fmt"
	"time"

	"github.com/sessgen/sessgen/drivers"
	"github.com/sessgen/sessgen/runtime"
)

// Masonite's config/session, in Go.
func ExampleNewManager() {
	cfg := drivers.Config{
		Default: "cookie",
		Cookie:  drivers.CookieConfig{Secret: "a secret of at least 32 bytes, from the environment"},
		Redis: drivers.RedisConfig{
			Host: "127.0.0.1", Port: 6379, Password: "",
			Options:   drivers.RedisOptions{DB: 1},
			Timeout:   60 * 60 * time.Second,
			Namespace: "shop",
		},
	}
	m, err := drivers.NewManager(cfg, runtime.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Options().Name, m.Options().IdleTimeout)

	_, err = drivers.Open(drivers.Config{Default: "file"})
	fmt.Println(err)
	// Output:
	// session 1h0m0s
	// drivers: Default: unknown session driver "file" (known: cookie, memory, redis)
}
