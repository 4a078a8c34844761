package redistest

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
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
	// MasterOf names the node that accepts the key: the others redirect.
	for _, key := range []string{"a", "b", "c", "d"} {
		m := c.MasterOf(key)
		for _, s := range c.Servers {
			_, err := Do(s.Addr, "SET", key, "v")
			if moved := err != nil && strings.HasPrefix(err.Error(), "MOVED"); moved != (s != m) {
				t.Errorf("SET %s on %s: %v; MasterOf says %s", key, s.Addr, err, m.Addr)
			}
		}
	}
}

func TestSlotMaster(t *testing.T) {
	// CLUSTER NODES after a failover: 127.0.0.1:7001 died and its replica
	// 127.0.0.1:7004 took over slots 0-5460.
	nodes := `a1 127.0.0.1:7001@17001 master,fail - 1 1 1 disconnected
b2 127.0.0.1:7002@17002,host-b myself,master - 0 0 2 connected 5461-10922
c3 127.0.0.1:7003@17003 master - 0 1 3 connected 10923-16383 [5000->-a1]
d4 127.0.0.1:7004@17004 master - 0 1 7 connected 0-5460
e5 127.0.0.1:7005@17005 slave b2 0 1 2 connected
`
	for slot, want := range map[int]string{
		0: "127.0.0.1:7004", 5460: "127.0.0.1:7004", 5461: "127.0.0.1:7002", 16383: "127.0.0.1:7003", 16384: "",
	} {
		if got := slotMaster(nodes, slot); got != want {
			t.Errorf("slotMaster(slot %d) = %q, want %q", slot, got, want)
		}
	}
	if got := slotMaster("a1 127.0.0.1:7001@17001 master,fail? - 1 1 1 connected 0-16383\n", 7); got != "" {
		t.Errorf("slotMaster took a node suspected to fail: %q", got)
	}
}

// TestSentinels checks the deployment a failover needs: a replica in sync,
// and three Sentinels that know it and each other.
func TestSentinels(t *testing.T) {
	master := Start(t)
	replica := StartReplica(t, master)
	if _, err := Do(master.Addr, "SET", "k", "v"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Now().Add(5*time.Second), replica.Addr, "replicated k", func(v string) bool { return v == "v" }, "GET", "k")
	sentinels := StartSentinels(t, "m", master.Addr, 3)
	for _, s := range sentinels {
		reply, err := Do(s.Addr, "SENTINEL", "CKQUORUM", "m")
		if err != nil || !strings.HasPrefix(reply, "OK 3 usable") {
			t.Errorf("%s: CKQUORUM: %q, %v; want 3 usable Sentinels", s.Addr, reply, err)
		}
		if got, err := SentinelMaster(s.Addr, "m"); got != master.Addr || err != nil {
			t.Errorf("%s: SentinelMaster = %q, %v; want %s", s.Addr, got, err, master.Addr)
		}
	}
	if _, err := SentinelMaster(sentinels[0].Addr, "other"); err == nil {
		t.Error("SentinelMaster of an unmonitored name succeeded")
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
