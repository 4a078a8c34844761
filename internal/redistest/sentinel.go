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

// StartSentinel starts a Sentinel on a free loopback port that monitors
// master (a host:port, normally a [Server]'s Addr) under the name
// masterName, with a quorum of one, and waits until it knows the master.
// Use it with go-redis's NewFailoverClient. It is stopped when the test ends.
func StartSentinel(t testing.TB, masterName, master string) *Server {
	t.Helper()
	im := selected(t)
	bin := im.lookPath(t, im.server)
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
		s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), t: t, im: im, dir: dir, args: []string{conf, "--sentinel"}}
		if lastErr = s.run(bin); lastErr != nil {
			continue
		}
		t.Cleanup(s.Stop)
		waitFor(t, time.Now().Add(startTimeout), s.Addr, "sentinel knows master "+master,
			func(reply string) bool { return strings.HasPrefix(reply, "OK") }, "SENTINEL", "CKQUORUM", masterName)
		return s
	}
	t.Fatalf("redistest: starting %s --sentinel: %v", im.server, lastErr)
	return nil
}
