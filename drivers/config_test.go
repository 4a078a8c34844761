package drivers_test

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/drivers"
	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

const secret = "0123456789abcdef0123456789abcdef"

func TestOpenPicksTheNamedDriver(t *testing.T) {
	d, err := drivers.Open(drivers.Config{Cookie: drivers.CookieConfig{Secret: secret}})
	if _, ok := d.(*cookie.Driver); !ok || err != nil {
		t.Errorf("default driver: %T, %v; want *cookie.Driver", d, err)
	}
	d, err = drivers.Open(drivers.Config{Default: "memory"})
	if _, ok := d.(*memory.Driver); !ok || err != nil {
		t.Errorf("memory: %T, %v", d, err)
	}
	d, err = drivers.Open(drivers.Config{Default: "redis", Redis: drivers.RedisConfig{Port: 1}})
	if _, ok := d.(*redis.Driver); !ok || err != nil {
		t.Errorf("redis: %T, %v", d, err)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := drivers.Open(drivers.Config{Default: "file"})
	if !errors.Is(err, drivers.ErrUnknownDriver) || !strings.Contains(err.Error(), "cookie, memory, redis") {
		t.Errorf("unknown driver: %v; want ErrUnknownDriver listing the known ones", err)
	}
	if _, err := drivers.Open(drivers.Config{}); !errors.Is(err, cookie.ErrWeakSecret) {
		t.Errorf("cookie without a secret: %v; want ErrWeakSecret", err)
	}
	if _, err := drivers.Open(drivers.Config{Default: "redis", Redis: drivers.RedisConfig{URL: "http://x"}}); err == nil {
		t.Error("bad REDIS_URL accepted")
	}
}

func TestFromEnv(t *testing.T) {
	t.Setenv("SESSION_DRIVER", "redis")
	t.Setenv("SESSION_SECRET", secret)
	t.Setenv("SESSION_PREVIOUS_SECRETS", "a,b")
	t.Setenv("REDIS_HOST", "127.0.0.1")
	t.Setenv("REDIS_PORT", "6380")
	t.Setenv("REDIS_PASSWORD", "pw")
	t.Setenv("REDIS_DB", "2")
	t.Setenv("SESSION_TIMEOUT", "1800")
	t.Setenv("SESSION_NAMESPACE", "shop")
	c, err := drivers.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	want := drivers.Config{Default: "redis", Cookie: drivers.CookieConfig{Secret: secret, PreviousSecrets: []string{"a", "b"}},
		Redis: drivers.RedisConfig{Host: "127.0.0.1", Port: 6380, Password: "pw", Options: drivers.RedisOptions{DB: 2}, Timeout: 30 * time.Minute, Namespace: "shop"}}
	if c.Default != want.Default || c.Cookie.Secret != want.Cookie.Secret || strings.Join(c.Cookie.PreviousSecrets, ",") != "a,b" || c.Redis != want.Redis {
		t.Errorf("FromEnv = %+v\nwant      %+v", c, want)
	}
	if o := c.ManagerOptions(runtime.Options{}); o.IdleTimeout != 30*time.Minute {
		t.Errorf("ManagerOptions idle timeout %v, want the redis timeout 30m", o.IdleTimeout)
	}
	t.Setenv("SESSION_TIMEOUT", "90m")
	if c, _ := drivers.FromEnv(); c.Redis.Timeout != 90*time.Minute {
		t.Errorf("SESSION_TIMEOUT=90m gave %v", c.Redis.Timeout)
	}
	c.Default = "cookie"
	if o := c.ManagerOptions(runtime.Options{}); o.IdleTimeout != 30*time.Minute {
		t.Errorf("SESSION_TIMEOUT ignored for the cookie driver: idle timeout %v", o.IdleTimeout)
	}
	t.Setenv("SESSION_TIMEOUT", "-15m")
	if _, err := drivers.FromEnv(); err == nil || !strings.Contains(err.Error(), "SESSION_TIMEOUT") {
		t.Errorf("negative SESSION_TIMEOUT accepted: %v", err)
	}
	t.Setenv("SESSION_TIMEOUT", "1h")
	t.Setenv("REDIS_PORT", "x")
	t.Setenv("SESSION_DRIVER", "files")
	if _, err := drivers.FromEnv(); err == nil || !strings.Contains(err.Error(), "REDIS_PORT") || !errors.Is(err, drivers.ErrUnknownDriver) {
		t.Errorf("bad env: %v", err)
	}
}

// TestRedisFromConfig builds the Redis driver from Masonite-shaped settings
// and runs a session through it on a real server.
func TestRedisFromConfig(t *testing.T) {
	srv := redistest.Start(t)
	host, port, _ := strings.Cut(srv.Addr, ":")
	p, _ := strconv.Atoi(port)
	cfg := drivers.Config{Default: "redis", Redis: drivers.RedisConfig{Host: host, Port: p, Options: drivers.RedisOptions{DB: 1}, Namespace: "cfgtest"}}
	d, err := drivers.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := sessiontest.NewHarness(t, d, cfg.ManagerOptions(runtime.Options{}))
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "k", "v", runtime.String[string]{}) })
	db1 := goredis.NewClient(&goredis.Options{Addr: srv.Addr, DB: 1})
	defer db1.Close()
	keys, err := db1.Keys(t.Context(), "cfgtest:session:*").Result()
	if err != nil || len(keys) != 1 {
		t.Errorf("keys in db 1: %v, %v; want one session under the namespace", keys, err)
	}
	var got string
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
		got, _ = runtime.Lookup(s, "k", runtime.String[string]{})
	})
	if got != "v" {
		t.Errorf("value through the configured Redis driver: %q", got)
	}
}

// TestHungRedisFailsFast: with the driver Open builds, a request whose
// Redis does not answer gets its error (and so a 503) in about a second, not
// after go-redis's default 3s read timeout and retries.
func TestHungRedisFailsFast(t *testing.T) {
	srv := redistest.Start(t)
	host, port, _ := strings.Cut(srv.Addr, ":")
	p, _ := strconv.Atoi(port)
	d, err := drivers.Open(drivers.Config{Default: "redis", Redis: drivers.RedisConfig{Host: host, Port: p}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Load(t.Context(), "session", runtime.NewID()); err != nil {
		t.Fatal(err) // connected and answering
	}
	hung := make(chan struct{})
	go func() {
		defer close(hung)
		redistest.Do(srv.Addr, "DEBUG", "SLEEP", "3") // the server stops answering for 3s
	}()
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	_, err = d.Load(t.Context(), "session", runtime.NewID())
	took := time.Since(start)
	if err == nil {
		t.Fatal("Load succeeded while the server was hung")
	}
	t.Logf("Load failed after %v: %v", took, err)
	if took > 2500*time.Millisecond {
		t.Errorf("Load failed after %v; want about a second", took)
	}
	<-hung
}

// TestErrorsSayWhatToSet: each configuration error names the setting to
// change, as the application's user spells it: the environment variable for
// a Config from FromEnv, the field otherwise; and says it once.
func TestErrorsSayWhatToSet(t *testing.T) {
	for _, v := range envList {
		t.Setenv(v, "")
	}
	c, err := drivers.FromEnv()
	if err != nil || c.Default != "cookie" {
		t.Fatalf("FromEnv with nothing set = %q, %v; want Default \"cookie\"", c.Default, err)
	}
	for _, tc := range []struct {
		what string
		err  func() error
		want []string
	}{
		{"missing secret from the environment", func() error { _, err := drivers.Open(c); return err },
			[]string{"SESSION_SECRET is empty", "openssl rand"}},
		{"short secret in the environment", func() error {
			t.Setenv(drivers.EnvSecret, "short")
			defer t.Setenv(drivers.EnvSecret, "")
			_, err := drivers.FromEnv()
			return err
		}, []string{"SESSION_SECRET has 5 bytes", "openssl rand"}},
		{"short previous secret", func() error {
			t.Setenv(drivers.EnvSecret, secret)
			t.Setenv(drivers.EnvPreviousSecrets, secret+",old")
			defer t.Setenv(drivers.EnvPreviousSecrets, "")
			c, _ := drivers.FromEnv()
			_, err := drivers.Open(c)
			return err
		}, []string{"secret 2 of SESSION_PREVIOUS_SECRETS has 3 bytes"}},
		{"missing secret in code", func() error { _, err := drivers.Open(drivers.Config{}); return err },
			[]string{"Cookie.Secret is empty"}},
		{"misspelt driver", func() error {
			t.Setenv(drivers.EnvDriver, "redsi")
			defer t.Setenv(drivers.EnvDriver, "")
			_, err := drivers.FromEnv()
			return err
		}, []string{`SESSION_DRIVER: unknown session driver "redsi" (known: cookie, memory, redis)`}},
		{"negative database", func() error {
			t.Setenv(drivers.EnvDriver, "redis")
			t.Setenv(drivers.EnvRedisDB, "-1")
			defer t.Setenv(drivers.EnvRedisDB, "")
			c, _ := drivers.FromEnv()
			_, err := drivers.Open(c)
			return err
		}, []string{"REDIS_DB: database -1 is negative"}},
		{"bad URL", func() error {
			t.Setenv(drivers.EnvDriver, "redis")
			t.Setenv(drivers.EnvRedisURL, "http://x")
			defer t.Setenv(drivers.EnvRedisURL, "")
			c, _ := drivers.FromEnv()
			_, err := drivers.Open(c)
			return err
		}, []string{"REDIS_URL: "}},
	} {
		err := tc.err()
		if err == nil {
			t.Errorf("%s: no error", tc.what)
			continue
		}
		msg := err.Error()
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", tc.what, msg, w)
			}
		}
		if strings.Count(msg, "drivers:") != 1 || strings.Count(msg, "cookie:") > 1 {
			t.Errorf("%s: %q repeats a prefix", tc.what, msg)
		}
	}
}

// envList is every variable FromEnv reads.
var envList = []string{drivers.EnvDriver, drivers.EnvSecret, drivers.EnvPreviousSecrets, drivers.EnvRedisURL,
	drivers.EnvRedisHost, drivers.EnvRedisPort, drivers.EnvRedisPassword, drivers.EnvRedisDB, drivers.EnvTimeout, drivers.EnvNamespace}
