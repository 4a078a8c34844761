package redistest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to answer PING, and a
// cluster, replica or Sentinel to reach the state a Start function waits for.
const startTimeout = 20 * time.Second

// A Server is a server process listening on 127.0.0.1.
type Server struct {
	// Addr is the server's host:port, always on 127.0.0.1.
	Addr string
	// Version is the implementation and version the server reports in INFO
	// server, for example "redis 7.0.15" or "valkey 8.0.1".
	Version string

	t    testing.TB
	im   impl
	dir  string
	args []string

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil when stopped
	exited chan struct{} // closed when cmd's process has exited and been reaped
}

// Start starts a server on a free loopback port in a temporary directory,
// with persistence off (--save "" --appendonly no), and waits until it
// answers PING. The server is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, t.TempDir(), nil)
}

// StartReplica starts a server like [Start] that replicates master
// (--replicaof) and waits until it has loaded the master's dataset and its
// replication link is up.
func StartReplica(t testing.TB, master *Server) *Server {
	t.Helper()
	host, port, err := net.SplitHostPort(master.Addr)
	if err != nil {
		t.Fatalf("redistest: master address %q: %v", master.Addr, err)
	}
	s := start(t, t.TempDir(), []string{"--replicaof", host, port})
	waitInfo(t, time.Now().Add(startTimeout), s.Addr, "replication", "replica of "+master.Addr+" in sync",
		func(f map[string]string) bool {
			return f["master_link_status"] == "up" && f["master_sync_in_progress"] == "0"
		})
	return s
}

// start starts a server in dir with extra arguments; extra may use the
// placeholder "{bus}", replaced by a second free port.
func start(t testing.TB, dir string, extra []string) *Server {
	t.Helper()
	im := selected(t)
	bin := im.lookPath(t, im.server)
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ { // a free port can be taken before the server binds it
		ports := freePorts(t, 2)
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), t: t, im: im, dir: dir}
		s.args = []string{
			"--port", strconv.Itoa(ports[0]),
			"--bind", "127.0.0.1",
			"--protected-mode", "yes",
			"--dir", dir,
			"--save", "",
			"--appendonly", "no",
			"--repl-diskless-sync-delay", "0", // a replica syncs at once, not after 5s
			"--daemonize", "no",
			"--loglevel", "warning",
			"--enable-debug-command", "local", // lets tests make the server hang (DEBUG SLEEP)
		}
		for _, a := range extra {
			s.args = append(s.args, strings.ReplaceAll(a, "{bus}", strconv.Itoa(ports[1])))
		}
		if lastErr = s.run(bin); lastErr == nil {
			t.Cleanup(s.Stop)
			return s
		}
	}
	t.Fatalf("redistest: starting %s: %v", im.server, lastErr)
	return nil
}

// run starts the process and waits until it answers PING. A PONG counts
// only from our own process: one that has not exited, and whose INFO server
// reports our process's PID, so that a server another test started on the
// same port meanwhile is never mistaken for ours. On failure the process is
// gone and the error includes the end of its log.
func (s *Server) run(bin string) error {
	s.t.Helper()
	logf, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, s.args...)
	cmd.Dir = s.dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); logf.Close(); close(exited) }()
	pid := strconv.Itoa(cmd.Process.Pid)
	fail := func(format string, args ...any) error {
		cmd.Process.Kill()
		<-exited
		if tail := s.logTail(); tail != "" {
			format, args = format+": %s", append(args, tail)
		}
		return fmt.Errorf(format, args...)
	}
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("%s %s exited: %s", bin, strings.Join(s.args, " "), s.logTail())
		default:
		}
		if reply, err := Do(s.Addr, "PING"); err == nil && reply == "PONG" {
			f, err := info(s.Addr, "server")
			if err == nil && f["process_id"] == pid {
				name, version := software(f)
				if name != s.im.name {
					return fail("%s reports %s %s, but %s=%s selects %s", bin, name, version, EnvServer, s.im.name, s.im.name)
				}
				s.Version = name + " " + version
				break
			}
			if err == nil {
				return fail("%s is served by another process (pid %s, ours %s)", s.Addr, f["process_id"], pid)
			}
		}
		if time.Now().After(deadline) {
			return fail("%s on %s did not answer PING within %v", bin, s.Addr, startTimeout)
		}
		select {
		case <-exited:
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	what := filepath.Base(bin)
	if slices.Contains(s.args, "--sentinel") {
		what += " --sentinel"
	}
	s.t.Logf("redistest: %s (%s) on %s", s.Version, what, s.Addr)
	return nil
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop kills the server (SIGKILL: no shutdown, as in a crash) and waits
// until its process has exited; its port is then closed. Stopping a stopped
// server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	cmd.Process.Kill()
	<-exited
}

// running reports whether the server has been started and not stopped.
func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Restart starts the stopped server again on the same port, with an empty
// dataset. It fails the test if the server does not come up.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	bin := s.im.lookPath(s.t, s.im.server)
	var err error
	for attempt := 0; attempt < 50; attempt++ { // the port may linger briefly after the kill
		if err = s.run(bin); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redistest: restarting %s on %s: %v", s.im.server, s.Addr, err)
}

// freePorts returns n distinct loopback ports that were free a moment ago,
// never Redis's default 6379 (a system Redis may use it).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: finding a free port: %v", err)
		}
		ls = append(ls, l)
		if p := l.Addr().(*net.TCPAddr).Port; p != 6379 && p != 16379 {
			ports = append(ports, p)
		}
	}
	return ports
}
