package redistest

import (
	"os"
	"os/exec"
	"testing"
)

// EnvServer is the environment variable that selects the server the
// helpers run: "redis" (also when it is unset or empty) runs redis-server
// and redis-cli, "valkey" runs valkey-server and valkey-cli. Any other value
// fails the test. Every server started checks that it is the selected
// implementation (INFO server) and logs its name and version.
const EnvServer = "REDISTEST_SERVER"

// An impl is one server implementation: its binaries and how to get them.
type impl struct {
	name   string // "redis" or "valkey", as EnvServer spells it and INFO reports it
	server string // the server binary, also run with --sentinel
	cli    string // the command-line client, for --cluster create
	hint   string // how to install both
}

var impls = map[string]impl{
	"redis": {
		name: "redis", server: "redis-server", cli: "redis-cli",
		hint: "apt-get install redis-server redis-tools (Debian/Ubuntu)",
	},
	"valkey": {
		name: "valkey", server: "valkey-server", cli: "valkey-cli",
		hint: "apt-get install -t bookworm-backports valkey-server valkey-tools (Debian 12; later releases without -t)",
	},
}

// selected returns the implementation EnvServer names.
func selected(t testing.TB) impl {
	t.Helper()
	v := os.Getenv(EnvServer)
	if v == "" {
		v = "redis"
	}
	im, ok := impls[v]
	if !ok {
		t.Fatalf("redistest: %s=%q: want redis or valkey", EnvServer, v)
	}
	return im
}

// lookPath returns the path of the selected implementation's binary bin
// (im.server or im.cli), failing the test with an install hint when it is
// not on PATH.
func (im impl) lookPath(t testing.TB, bin string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("redistest: %s not found on PATH (%s=%s); install it with: %s, or put it on PATH", bin, EnvServer, im.name, im.hint)
	}
	return p
}

// software names the implementation and version a server's INFO server
// section reports: "valkey 8.0.1" (Valkey has valkey_version besides a
// redis_version kept for compatibility) or "redis 7.0.15".
func software(info map[string]string) (name, version string) {
	if v, ok := info["valkey_version"]; ok {
		return "valkey", v
	}
	return "redis", info["redis_version"]
}
