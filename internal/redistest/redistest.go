package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startTimeout bounds how long a server may take to answer PING, and a
// cluster to report cluster_state:ok.
const startTimeout = 20 * time.Second

const installHint = "install it with: apt-get install redis-server redis-tools (Debian/Ubuntu), or put it on PATH"

// A Server is a redis-server process listening on 127.0.0.1.
type Server struct {
	// Addr is the server's host:port, always on 127.0.0.1.
	Addr string

	t    testing.TB
	dir  string
	args []string

	mu     sync.Mutex
	cmd    *exec.Cmd     // nil when stopped
	exited chan struct{} // closed when cmd's process has exited and been reaped
}

// Start starts a redis-server on a free loopback port in a temporary
// directory, with persistence off (--save "" --appendonly no), and waits
// until it answers PING. The server is stopped when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	return start(t, t.TempDir(), nil)
}

// start starts a server in dir with extra arguments; extra may use the
// placeholder "{bus}", replaced by a second free port.
func start(t testing.TB, dir string, extra []string) *Server {
	t.Helper()
	bin := lookPath(t, "redis-server")
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ { // a free port can be taken before the server binds it
		ports := freePorts(t, 2)
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])), t: t, dir: dir}
		s.args = []string{
			"--port", strconv.Itoa(ports[0]),
			"--bind", "127.0.0.1",
			"--protected-mode", "yes",
			"--dir", dir,
			"--save", "",
			"--appendonly", "no",
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
	t.Fatalf("redistest: starting redis-server: %v", lastErr)
	return nil
}

// run starts the process and waits until it answers PING. A PONG counts
// only from our own process: one that has not exited, and whose INFO server
// reports our process's PID, so that a server another test started on the
// same port meanwhile is never mistaken for ours. On failure the process is
// gone and the error includes the end of its log.
func (s *Server) run(bin string) error {
	logf, err := os.OpenFile(filepath.Join(s.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
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
			return fmt.Errorf("redis-server %s exited: %s", strings.Join(s.args, " "), s.logTail())
		default:
		}
		if reply, err := Do(s.Addr, "PING"); err == nil && reply == "PONG" {
			got, err := infoField(s.Addr, "server", "process_id")
			if err == nil && got == pid {
				break
			}
			if err == nil {
				return fail("%s is served by another process (pid %s, ours %s)", s.Addr, got, pid)
			}
		}
		if time.Now().After(deadline) {
			return fail("redis-server on %s did not answer PING within %v", s.Addr, startTimeout)
		}
		select {
		case <-exited:
		case <-time.After(20 * time.Millisecond):
		}
	}
	s.mu.Lock()
	s.cmd, s.exited = cmd, exited
	s.mu.Unlock()
	return nil
}

// infoField returns one field of a section of the INFO reply of the server
// at addr, for example infoField(addr, "server", "process_id").
func infoField(addr, section, field string) (string, error) {
	info, err := Do(addr, "INFO", section)
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v, nil
		}
	}
	return "", fmt.Errorf("INFO %s has no %s field", section, field)
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Stop kills the server and waits until its process has exited (its port
// is then closed). Stopping a stopped server does nothing.
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

// Restart starts the stopped server again on the same port, with an empty
// dataset. It fails the test if the server does not come up.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	bin := lookPath(s.t, "redis-server")
	var err error
	for attempt := 0; attempt < 50; attempt++ { // the port may linger briefly after the kill
		if err = s.run(bin); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("redistest: restarting redis-server on %s: %v", s.Addr, err)
}

// A Cluster is a Redis Cluster of three masters without replicas, each
// owning a third of the hash slots, on 127.0.0.1.
type Cluster struct {
	// Addrs are the masters' host:port addresses, for
	// redis.ClusterOptions.Addrs.
	Addrs   []string
	Servers []*Server
}

// StartCluster starts three cluster-enabled redis-servers, joins them with
// redis-cli --cluster create and waits until every node reports
// cluster_state:ok. The servers are stopped when the test ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	cli := lookPath(t, "redis-cli")
	c := &Cluster{}
	for i := 0; i < 3; i++ {
		dir := t.TempDir()
		s := start(t, dir, []string{
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-port", "{bus}",
			"--cluster-node-timeout", "5000",
		})
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: redis-cli %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	deadline := time.Now().Add(startTimeout)
	for _, addr := range c.Addrs {
		waitFor(t, deadline, addr, "cluster node ready", func(info string) bool {
			return strings.Contains(info, "cluster_state:ok") && strings.Contains(info, "cluster_known_nodes:3")
		}, "CLUSTER", "INFO")
	}
	return c
}

// waitFor sends args to addr until the reply satisfies ok, and fails the
// test at deadline, saying what it waited for.
func waitFor(t testing.TB, deadline time.Time, addr, what string, ok func(reply string) bool, args ...string) {
	t.Helper()
	for {
		reply, err := Do(addr, args...)
		if err == nil && ok(reply) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redistest: %s: %s not true within %v: %v %s", addr, what, startTimeout, err, reply)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Do sends one command to the server at addr on a new connection and returns
// its reply: the text of a simple string, bulk string or integer reply. An
// error reply is returned as an error. Arrays are not supported.
func Do(addr string, args ...string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := c.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply")
	}
	switch line[0] {
	case '+', ':':
		return line[1:], nil
	case '-':
		return "", errors.New(line[1:])
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil || n < 0 {
			return "", fmt.Errorf("bad bulk reply %q", line)
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
	return "", fmt.Errorf("unsupported reply %q", line)
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

func lookPath(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("redistest: %s not found on PATH: %s", name, installHint)
	}
	return p
}

// StartSentinel starts a Redis Sentinel on a free loopback port that
// monitors master (a host:port, normally a [Server]'s Addr) under the name
// masterName, with a quorum of one, and waits until it knows the master.
// Use it with go-redis's NewFailoverClient. It is stopped when the test ends.
func StartSentinel(t testing.TB, masterName, master string) *Server {
	t.Helper()
	bin := lookPath(t, "redis-server")
	host, port, err := net.SplitHostPort(master)
	if err != nil {
		t.Fatalf("redistest: master address %q: %v", master, err)
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		dir := t.TempDir()
		p := freePorts(t, 1)[0]
		conf := filepath.Join(dir, "sentinel.conf") // Sentinel rewrites its config file: it must be writable
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 5000\n",
			p, dir, masterName, host, port, masterName)
		if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), t: t, dir: dir, args: []string{conf, "--sentinel"}}
		if lastErr = s.run(bin); lastErr != nil {
			continue
		}
		t.Cleanup(s.Stop)
		waitFor(t, time.Now().Add(startTimeout), s.Addr, "sentinel knows master "+master,
			func(reply string) bool { return strings.HasPrefix(reply, "OK") }, "SENTINEL", "CKQUORUM", masterName)
		return s
	}
	t.Fatalf("redistest: starting redis-server --sentinel: %v", lastErr)
	return nil
}
