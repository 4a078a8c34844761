package runtime_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// TestOptionsValidation is every rule NewManager enforces on its options,
// in one table: each invalid set is refused with ErrInvalidOptions, and
// each valid one accepted.
func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opts  runtime.Options
		valid bool
	}{
		{"defaults", runtime.Options{}, true},
		{"bad name", runtime.Options{Name: "a b"}, false},
		{"name with =", runtime.Options{Name: "a=b"}, false},
		{"path with ;", runtime.Options{Path: "/;x"}, false},
		{"domain with a control character", runtime.Options{Domain: "a\x01b"}, false},
		{"SameSite=None without TLS", runtime.Options{SameSite: http.SameSiteNoneMode, Insecure: true}, false},
		{"SameSite=None over TLS", runtime.Options{SameSite: http.SameSiteNoneMode}, true},
		{"Partitioned without TLS", runtime.Options{Partitioned: true, Insecure: true}, false},
		{"unknown SameSite", runtime.Options{SameSite: 42}, false},
		{"negative idle timeout", runtime.Options{IdleTimeout: -time.Second}, false},
		{"negative lifetime", runtime.Options{Lifetime: -time.Second}, false},
		{"touch interval not below the idle timeout", runtime.Options{IdleTimeout: time.Minute, TouchInterval: time.Minute}, false},
		{"__Host- with defaults", runtime.Options{Name: "__Host-session"}, true},
		{"__Host- with a Domain", runtime.Options{Name: "__Host-session", Domain: "example.com"}, false},
		{"__Host- with a Path", runtime.Options{Name: "__Host-session", Path: "/app"}, false},
		{"__Host- without TLS", runtime.Options{Name: "__Host-session", Insecure: true}, false},
		{"__host- in lower case with a Path", runtime.Options{Name: "__host-session", Path: "/app"}, false},
		{"__Secure- without TLS", runtime.Options{Name: "__Secure-session", Insecure: true}, false},
	} {
		_, err := runtime.NewManager(newStore(), tc.opts)
		if tc.valid && err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.valid && !errors.Is(err, runtime.ErrInvalidOptions) {
			t.Errorf("%s: err = %v, want ErrInvalidOptions", tc.name, err)
		}
	}
	if _, err := runtime.NewManager(nil, runtime.Options{}); !errors.Is(err, runtime.ErrInvalidOptions) {
		t.Errorf("nil driver: err = %v", err)
	}
}

func TestOptionDefaults(t *testing.T) {
	m, err := runtime.NewManager(newStore(), runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := m.Options()
	if o.Name != "session" || o.Path != "/" || o.SameSite != http.SameSiteLaxMode || o.IdleTimeout != time.Hour ||
		o.Lifetime != 24*time.Hour || o.TouchInterval != time.Minute || o.Insecure || o.Persist {
		t.Errorf("defaults: %+v", o)
	}
	m, _ = runtime.NewManager(newStore(), runtime.Options{IdleTimeout: 400 * time.Millisecond})
	if o := m.Options(); o.TouchInterval != 200*time.Millisecond {
		t.Errorf("touch interval for a 400ms idle timeout: %v, want half of it", o.TouchInterval)
	}
}
