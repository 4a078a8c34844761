// Package config is the shop's configuration, laid out like a Masonite
// project's config/ directory.
package config

import (
	"cmp"
	"time"

	"github.com/sessgen/sessgen/drivers"
)

// Session returns the session configuration. It is Masonite's
// config/session.py written in Go:
//
//	DRIVERS = {
//	    "default": env("SESSION_DRIVER", "cookie"),
//	    "cookie": {},
//	    "redis": {
//	        "host": env("REDIS_HOST", "127.0.0.1"),
//	        "port": env("REDIS_PORT", 6379),
//	        "password": env("REDIS_PASSWORD", ""),
//	        "options": {"db": 1},
//	        "timeout": 60 * 60,
//	        "namespace": "masonite4",
//	    },
//	}
//
// Each value can be set from the environment variable named beside it, so
// SESSION_DRIVER=redis switches drivers with no code change. Malformed
// values (REDIS_PORT=abc, an unknown driver) are an error.
func Session() (drivers.Config, error) {
	env, err := drivers.FromEnv()
	if err != nil {
		return drivers.Config{}, err
	}
	return drivers.Config{
		Default: env.Default, // SESSION_DRIVER: cookie (the default), redis or memory
		Cookie: drivers.CookieConfig{
			Secret:          env.Cookie.Secret,          // SESSION_SECRET, 32 bytes or more
			PreviousSecrets: env.Cookie.PreviousSecrets, // SESSION_PREVIOUS_SECRETS, comma-separated
		},
		Redis: drivers.RedisConfig{
			URL:       env.Redis.URL,                                  // REDIS_URL, instead of the next four
			Host:      cmp.Or(env.Redis.Host, "127.0.0.1"),            // REDIS_HOST
			Port:      cmp.Or(env.Redis.Port, 6379),                   // REDIS_PORT
			Password:  env.Redis.Password,                             // REDIS_PASSWORD
			Options:   drivers.RedisOptions{DB: env.Redis.Options.DB}, // REDIS_DB, default 0
			Timeout:   cmp.Or(env.Redis.Timeout, 60*60*time.Second),   // SESSION_TIMEOUT
			Namespace: cmp.Or(env.Redis.Namespace, "shop"),            // SESSION_NAMESPACE
		},
	}, nil
}
