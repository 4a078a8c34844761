package redistest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sentinel timing, tuned for tests that kill the master: a Sentinel deems
// the master down after it has not answered for sentinelDownAfter
// (down-after-milliseconds; the default is 30s), and a failover that
// stalled is retried after twice sentinelFailoverTimeout (failover-timeout;
// the default is 3 minutes). On loopback a healthy server answers in well
// under a millisecond, so one second of silence is a real outage even on a
// loaded machine.
const (
	sentinelDownAfter       = time.Second
	sentinelFailoverTimeout = 3 * time.Second
)

// StartSentinel starts one Sentinel that monitors master under masterName
// with a quorum of one: [StartSentinels] with n = 1.
func StartSentinel(t testing.TB, masterName, master string) *Server {
	t.Helper()
	return StartSentinels(t, masterName, master, 1)[0]
}

// StartSentinels starts n Sentinels on free loopback ports that monitor
// master (a host:port, normally a [Server]'s Addr) under the name
// masterName, with a quorum of a majority (n/2 + 1), so that they fail over
// to a replica a second or so after the master dies (see sentinelDownAfter
// above). It waits until every Sentinel knows the master, the other n-1
// Sentinels and every replica connected to the master, so start the
// replicas ([StartReplica]) first. Use the Sentinels' addresses with
// go-redis's NewFailoverClient. They are stopped when the test ends.
func StartSentinels(t testing.TB, masterName, master string, n int) []*Server {
	t.Helper()
	im := selected(t)
	bin := im.lookPath(t, im.server)
	host, port, err := net.SplitHostPort(master)
	if err != nil {
		t.Fatalf("redistest: master address %q: %v", master, err)
	}
	repl, err := info(master, "replication")
	if err != nil {
		t.Fatalf("redistest: master %s: %v", master, err)
	}
	replicas := repl["connected_slaves"]
	var sentinels []*Server
	for len(sentinels) < n {
		var lastErr error
		var s *Server
		for attempt := 0; attempt < 5 && s == nil; attempt++ {
			dir := t.TempDir()
			p := freePorts(t, 1)[0]
			conf := filepath.Join(dir, "sentinel.conf") // Sentinel rewrites its config file: it must be writable
			body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\n", p, dir) +
				fmt.Sprintf("sentinel monitor %s %s %s %d\n", masterName, host, port, n/2+1) +
				fmt.Sprintf("sentinel down-after-milliseconds %s %d\n", masterName, sentinelDownAfter.Milliseconds()) +
				fmt.Sprintf("sentinel failover-timeout %s %d\n", masterName, sentinelFailoverTimeout.Milliseconds())
			if err := os.WriteFile(conf, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			s = &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), t: t, im: im, dir: dir, args: []string{conf, "--sentinel"}}
			if lastErr = s.run(bin); lastErr != nil {
				s = nil
			}
		}
		if s == nil {
			t.Fatalf("redistest: starting %s --sentinel: %v", im.server, lastErr)
		}
		t.Cleanup(s.Stop)
		sentinels = append(sentinels, s)
	}
	deadline := time.Now().Add(startTimeout)
	for _, s := range sentinels {
		waitInfo(t, deadline, s.Addr, "sentinel",
			fmt.Sprintf("sentinel knows master %s, %s replicas and %d sentinels", master, replicas, n),
			func(f map[string]string) bool {
				m := monitored(f, masterName)
				return m["status"] == "ok" && m["address"] == master && m["slaves"] == replicas && m["sentinels"] == strconv.Itoa(n)
			})
	}
	return sentinels
}

// SentinelMaster returns the address that the Sentinel at addr currently
// names as the master of masterName: after a failover, the promoted
// replica's.
func SentinelMaster(addr, masterName string) (string, error) {
	f, err := info(addr, "sentinel")
	if err != nil {
		return "", err
	}
	m := monitored(f, masterName)
	if m == nil {
		return "", fmt.Errorf("sentinel %s does not monitor %q", addr, masterName)
	}
	return m["address"], nil
}

// monitored returns the fields of the line of a Sentinel's INFO sentinel
// that describes masterName, such as
// "master0:name=m,status=ok,address=127.0.0.1:6379,slaves=1,sentinels=3",
// or nil.
func monitored(f map[string]string, masterName string) map[string]string {
	for k, v := range f {
		if !strings.HasPrefix(k, "master") {
			continue
		}
		m := make(map[string]string)
		for _, kv := range strings.Split(v, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				m[k] = v
			}
		}
		if m["name"] == masterName {
			return m
		}
	}
	return nil
}
