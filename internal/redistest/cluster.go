package redistest

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A Cluster is a Redis Cluster of three masters without replicas, each
// owning a third of the hash slots, on 127.0.0.1.
type Cluster struct {
	// Addrs are the masters' host:port addresses, for
	// redis.ClusterOptions.Addrs.
	Addrs   []string
	Servers []*Server
}

// StartCluster starts three cluster-enabled servers, joins them with
// redis-cli (or valkey-cli) --cluster create and waits until every node
// reports cluster_state:ok. The servers are stopped when the test ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	im := selected(t)
	cli := im.lookPath(t, im.cli)
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
		t.Fatalf("redistest: %s %s: %v\n%s", im.cli, strings.Join(args, " "), err, out)
	}
	deadline := time.Now().Add(startTimeout)
	for _, addr := range c.Addrs {
		waitFor(t, deadline, addr, "cluster node ready", func(reply string) bool {
			f := parseInfo(reply)
			return f["cluster_state"] == "ok" && f["cluster_known_nodes"] == strconv.Itoa(3)
		}, "CLUSTER", "INFO")
	}
	return c
}
