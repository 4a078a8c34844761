package drivers

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/runtime"
)

// Known lists the driver names [Open] accepts.
var Known = []string{"cookie", "memory", "redis"}

// ErrUnknownDriver means Config.Default names no known driver.
var ErrUnknownDriver = errors.New("unknown session driver")

// Config selects and configures a driver, like Masonite's config/session.
// Zero values mean the documented defaults.
type Config struct {
	// Default names the driver to use: "cookie" (the default), "redis" or
	// "memory" (in-process, for tests and single-process apps).
	Default string
	// Cookie configures the cookie driver.
	Cookie CookieConfig
	// Redis configures the Redis driver.
	Redis RedisConfig

	fromEnv bool // made by FromEnv: errors name the environment variables
}

// name returns how errors call a setting: its field, or its environment
// variable in a Config that FromEnv made.
func (c Config) name(field, env string) string {
	if c.fromEnv {
		return env
	}
	return field
}

// CookieConfig configures the cookie driver. Masonite's "cookie": {}.
type CookieConfig struct {
	// Secret seals new cookies; at least 32 bytes. Required.
	Secret string
	// PreviousSecrets still open cookies sealed before a key rotation.
	PreviousSecrets []string
}

// RedisConfig configures the Redis driver with Masonite's keys.
type RedisConfig struct {
	// URL, when set, replaces Host, Port, Password and Options.DB, as
	// redis://[:password@]host:port/db (see goredis.ParseURL).
	URL string
	// Host is the server's host. Default "127.0.0.1".
	Host string
	// Port is the server's port. Default 6379.
	Port int
	// Password authenticates to the server; empty for none.
	Password string
	// Options holds the client options Masonite nests under "options".
	Options RedisOptions
	// Timeout is the session idle timeout (Masonite's "timeout": 60 * 60).
	// Masonite keeps it in the redis block; sessgen applies it whichever
	// driver is selected (see [Config.ManagerOptions]). Default 1h.
	Timeout time.Duration
	// Namespace prefixes the keys: <namespace>:session:<id>. Default "sessgen".
	Namespace string
}

// RedisOptions are Masonite's redis "options".
type RedisOptions struct {
	// DB is the database number (standalone servers only).
	DB int
}

func (c Config) driverName() string {
	if c.Default == "" {
		return "cookie"
	}
	return c.Default
}

// Open builds the driver that c.Default names.
func Open(c Config) (runtime.Driver, error) {
	switch name := c.driverName(); name {
	case "cookie":
		if err := cookie.CheckSecret([]byte(c.Cookie.Secret)); err != nil {
			return nil, fmt.Errorf("drivers: %s %w", c.name("Cookie.Secret", EnvSecret), err)
		}
		prev := make([][]byte, len(c.Cookie.PreviousSecrets))
		for i, s := range c.Cookie.PreviousSecrets {
			if err := cookie.CheckSecret([]byte(s)); err != nil {
				return nil, fmt.Errorf("drivers: %s %w", c.name(fmt.Sprintf("Cookie.PreviousSecrets[%d]", i),
					fmt.Sprintf("secret %d of %s", i+1, EnvPreviousSecrets)), err)
			}
			prev[i] = []byte(s)
		}
		d, err := cookie.New([]byte(c.Cookie.Secret), prev...)
		if err != nil {
			return nil, fmt.Errorf("drivers: %w", err)
		}
		return d, nil
	case "memory":
		return memory.New(), nil
	case "redis":
		opts, err := c.redisOptions()
		if err != nil {
			return nil, err
		}
		d, err := redis.New(goredis.NewClient(opts), redis.Options{Namespace: c.Redis.Namespace})
		if err != nil {
			return nil, fmt.Errorf("drivers: redis: %w", err)
		}
		return d, nil
	default:
		return nil, fmt.Errorf("drivers: %s: %w", c.name("Default", EnvDriver), unknownDriver(name))
	}
}

func unknownDriver(name string) error {
	return fmt.Errorf("%w %q (known: %s)", ErrUnknownDriver, name, strings.Join(Known, ", "))
}

func (c Config) redisOptions() (*goredis.Options, error) {
	r := c.Redis
	if r.URL != "" {
		o, err := goredis.ParseURL(r.URL)
		if err != nil {
			return nil, fmt.Errorf("drivers: %s: %w", c.name("Redis.URL", EnvRedisURL), err)
		}
		return withNetworkTimeouts(o), nil
	}
	host, port := r.Host, r.Port
	if host == "" {
		host = "127.0.0.1"
	}
	if port == 0 {
		port = 6379
	}
	if r.Options.DB < 0 {
		return nil, fmt.Errorf("drivers: %s: database %d is negative", c.name("Redis.Options.DB", EnvRedisDB), r.Options.DB)
	}
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("drivers: %s: port %d out of range", c.name("Redis.Port", EnvRedisPort), port)
	}
	return withNetworkTimeouts(&goredis.Options{
		Addr:     net.JoinHostPort(host, strconv.Itoa(port)),
		Password: r.Password,
		DB:       r.Options.DB,
	}), nil
}

// Network timeouts of the clients Open builds: a request whose Redis is
// down gets its error (and, through runtime.ServeError, a 503) in about a
// second instead of go-redis's defaults of 5s to dial (5 attempts) and 3s
// to read, each retried.
const (
	redisDialTimeout = time.Second
	redisIOTimeout   = 500 * time.Millisecond
)

func withNetworkTimeouts(o *goredis.Options) *goredis.Options {
	if o.DialTimeout == 0 {
		o.DialTimeout = redisDialTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = redisIOTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = redisIOTimeout
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = 1
	}
	o.ContextTimeoutEnabled = true // honour the request's deadline too
	return o
}

// ManagerOptions returns o with the settings that c carries for the
// manager filled in where o leaves them zero: the idle timeout from
// Redis.Timeout, whichever driver is selected.
func (c Config) ManagerOptions(o runtime.Options) runtime.Options {
	if o.IdleTimeout == 0 && c.Redis.Timeout > 0 {
		o.IdleTimeout = c.Redis.Timeout
	}
	return o
}

// NewManager opens the configured driver and returns a manager for it:
// runtime.NewManager(Open(c), c.ManagerOptions(o)).
func NewManager(c Config, o runtime.Options) (*runtime.Manager, error) {
	d, err := Open(c)
	if err != nil {
		return nil, err
	}
	return runtime.NewManager(d, c.ManagerOptions(o))
}

// Environment variables [FromEnv] reads.
const (
	EnvDriver          = "SESSION_DRIVER"           // Config.Default
	EnvSecret          = "SESSION_SECRET"           // Cookie.Secret
	EnvPreviousSecrets = "SESSION_PREVIOUS_SECRETS" // Cookie.PreviousSecrets, comma-separated
	EnvRedisURL        = "REDIS_URL"                // Redis.URL
	EnvRedisHost       = "REDIS_HOST"               // Redis.Host
	EnvRedisPort       = "REDIS_PORT"               // Redis.Port
	EnvRedisPassword   = "REDIS_PASSWORD"           // Redis.Password
	EnvRedisDB         = "REDIS_DB"                 // Redis.Options.DB
	EnvTimeout         = "SESSION_TIMEOUT"          // Redis.Timeout, the idle timeout of every driver: a Go duration ("1h") or seconds ("3600")
	EnvNamespace       = "SESSION_NAMESPACE"        // Redis.Namespace
)

// FromEnv reads a Config from the environment variables named by the Env
// constants. Unset variables leave their defaults (Default is "cookie");
// malformed numbers, unknown driver names and a SESSION_SECRET shorter than
// 32 bytes are errors. Errors about the returned Config, from [Open], name
// the variables too.
func FromEnv() (Config, error) {
	c := Config{fromEnv: true}
	var errs []error
	c.Default = cmp.Or(os.Getenv(EnvDriver), "cookie")
	if !slices.Contains(Known, c.Default) {
		errs = append(errs, fmt.Errorf("%s: %w", EnvDriver, unknownDriver(c.Default)))
	}
	c.Cookie.Secret = os.Getenv(EnvSecret)
	if c.Cookie.Secret != "" {
		if err := cookie.CheckSecret([]byte(c.Cookie.Secret)); err != nil {
			errs = append(errs, fmt.Errorf("%s %w", EnvSecret, err))
		}
	}
	if p := os.Getenv(EnvPreviousSecrets); p != "" {
		c.Cookie.PreviousSecrets = strings.Split(p, ",")
	}
	c.Redis.URL = os.Getenv(EnvRedisURL)
	c.Redis.Host = os.Getenv(EnvRedisHost)
	c.Redis.Password = os.Getenv(EnvRedisPassword)
	c.Redis.Namespace = os.Getenv(EnvNamespace)
	atoi := func(name string, dst *int) {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: not a number", name, v))
			}
			*dst = n
		}
	}
	atoi(EnvRedisPort, &c.Redis.Port)
	atoi(EnvRedisDB, &c.Redis.Options.DB)
	if v := os.Getenv(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			secs, err2 := strconv.Atoi(v)
			if err2 != nil || secs > 10*365*24*3600 { // ten years: past that, a typo
				secs = 0
			}
			d = time.Duration(secs) * time.Second
		}
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 1h, or a number of seconds", EnvTimeout, v))
		}
		c.Redis.Timeout = d
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("drivers: %w", errors.Join(errs...))
	}
	return c, nil
}
