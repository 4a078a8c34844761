package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Addr, "127.0.0.1:") {
		t.Fatalf("Addr = %q, want a 127.0.0.1 address", s.Addr)
	}
	if _, err := Do(s.Addr, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	s.mu.Lock()
	exited := s.exited
	s.mu.Unlock()
	s.Stop()
	select {
	case <-exited:
	default:
		t.Fatal("Stop returned before the process exited")
	}
	if _, err := Do(s.Addr, "PING"); err == nil {
		t.Fatal("PING succeeded after Stop")
	}
	s.Restart()
	if got, err := Do(s.Addr, "PING"); err != nil || got != "PONG" {
		t.Fatalf("PING after Restart = %q, %v", got, err)
	}
	if got, err := Do(s.Addr, "EXISTS", "k"); err != nil || got != "0" {
		t.Fatalf("EXISTS k after Restart = %q, %v; want an empty dataset", got, err)
	}
}

// TestPortTakenByAnotherServer starts a second server on a port a first one
// holds, as happens when another test's server takes a port between
// freePorts and the bind. The second server cannot bind and exits, but the
// first answers PING on its address: run must not take that PONG for its own.
func TestPortTakenByAnotherServer(t *testing.T) {
	s := Start(t)
	dir := t.TempDir()
	args := slices.Clone(s.args)
	for i, a := range args {
		if a == s.dir {
			args[i] = dir
		}
	}
	other := &Server{Addr: s.Addr, t: t, im: s.im, dir: dir, args: args}
	if err := other.run(s.im.lookPath(t, s.im.server)); err == nil {
		other.Stop()
		t.Fatal("run accepted another server's PONG as its own")
	} else {
		t.Logf("run: %v", err)
	}
	if got, err := Do(s.Addr, "PING"); err != nil || got != "PONG" {
		t.Fatalf("the first server: PING = %q, %v", got, err)
	}
}

func TestCluster(t *testing.T) {
	c := StartCluster(t)
	if len(c.Addrs) != 3 {
		t.Fatalf("%d nodes, want 3", len(c.Addrs))
	}
	for _, addr := range c.Addrs {
		info, err := Do(addr, "CLUSTER", "INFO")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(info, "cluster_slots_assigned:16384") {
			t.Fatalf("%s: not all slots assigned:\n%s", addr, info)
		}
	}
}

func TestSentinel(t *testing.T) {
	master := Start(t)
	s := StartSentinel(t, "m", master.Addr)
	reply, err := Do(s.Addr, "SENTINEL", "CKQUORUM", "m")
	if err != nil || !strings.HasPrefix(reply, "OK") {
		t.Fatalf("CKQUORUM: %q, %v", reply, err)
	}
}

// TestSelected checks that the server started is the implementation
// REDISTEST_SERVER selects, and that an unknown selection fails the test.
func TestSelected(t *testing.T) {
	im := selected(t)
	s := Start(t)
	f, err := info(s.Addr, "server")
	if err != nil {
		t.Fatal(err)
	}
	_, hasValkey := f["valkey_version"]
	if hasValkey != (im.name == "valkey") || !strings.HasPrefix(s.Version, im.name+" ") {
		t.Errorf("%s=%q started %q (valkey_version present: %v)", EnvServer, os.Getenv(EnvServer), s.Version, hasValkey)
	}
	t.Logf("%s=%q: %s", EnvServer, os.Getenv(EnvServer), s.Version)

	t.Setenv(EnvServer, "redsi")
	ft := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); selected(ft) }()
	<-done
	if !strings.Contains(ft.msg, `REDISTEST_SERVER="redsi"`) {
		t.Errorf("selected with an unknown server: Fatalf(%q), want it to name the variable and value", ft.msg)
	}
}

// TestWrongImplementation runs the other implementation's server under
// the selected one's name, as a compatibility package that installs
// valkey-server as redis-server does: the test must fail, not report the
// wrong server as tested.
func TestWrongImplementation(t *testing.T) {
	im := selected(t)
	other := impls["valkey"]
	if im.name == "valkey" {
		other = impls["redis"]
	}
	dir := t.TempDir()
	if err := os.Symlink(other.lookPath(t, other.server), filepath.Join(dir, im.server)); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	ft := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); Start(ft) }()
	<-done
	if want := "reports " + other.name; !strings.Contains(ft.msg, want) {
		t.Errorf("Start with %s running as %s: Fatalf(%q), want it to say %q", other.server, im.server, ft.msg, want)
	}
}

// fatalTB records Fatalf and ends the goroutine, as testing does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}
