package redistest

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// cluster-node-timeout of the clusters the Start functions make. Without
// replicas nothing can take over a node that looks down, and the cluster
// refuses every slot while one is marked failed, so a long timeout keeps a
// loaded test machine from stalling the cluster. With replicas, a node
// silent for failoverNodeTimeout is failed over: its replica is promoted
// a second or two later. On loopback a healthy node answers within a
// millisecond, so one second of silence is a real outage.
const (
	clusterNodeTimeout  = 5 * time.Second
	failoverNodeTimeout = time.Second
)

// A Cluster is a Redis Cluster on 127.0.0.1 of three masters, each owning a
// third of the hash slots, with or without one replica each.
type Cluster struct {
	// Addrs are every node's host:port address, for
	// redis.ClusterOptions.Addrs.
	Addrs []string
	// Servers are the nodes, in the order of Addrs. Which of them are
	// masters changes with a failover: see [Cluster.MasterOf].
	Servers []*Server

	t testing.TB
}

// StartCluster starts three cluster-enabled servers, joins them with
// redis-cli (or valkey-cli) --cluster create and waits until every node
// reports cluster_state:ok. The servers are stopped when the test ends.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	return startCluster(t, 0, clusterNodeTimeout)
}

// StartClusterWithReplicas starts six cluster-enabled servers, joins them
// with --cluster create --cluster-replicas 1 into three masters with one
// replica each, and waits until every node reports cluster_state:ok and
// every replica is in sync. A master that is killed ([Server.Stop]) is
// replaced by its replica within a few seconds (failoverNodeTimeout
// above). The servers are stopped when the test ends.
func StartClusterWithReplicas(t testing.TB) *Cluster {
	t.Helper()
	return startCluster(t, 1, failoverNodeTimeout)
}

func startCluster(t testing.TB, replicas int, nodeTimeout time.Duration) *Cluster {
	t.Helper()
	im := selected(t)
	cli := im.lookPath(t, im.cli)
	c := &Cluster{t: t}
	n := 3 * (1 + replicas)
	for len(c.Servers) < n {
		dir := t.TempDir()
		s := start(t, dir, []string{
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-port", "{bus}",
			"--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10),
		})
		c.Servers = append(c.Servers, s)
		c.Addrs = append(c.Addrs, s.Addr)
	}
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redistest: %s %s: %v\n%s", im.cli, strings.Join(args, " "), err, out)
	}
	deadline := time.Now().Add(startTimeout)
	for _, addr := range c.Addrs {
		waitFor(t, deadline, addr, "cluster node ready", func(reply string) bool {
			f := parseInfo(reply)
			return f["cluster_state"] == "ok" && f["cluster_known_nodes"] == strconv.Itoa(n)
		}, "CLUSTER", "INFO")
		waitInfo(t, deadline, addr, "replication", "replication in sync", func(f map[string]string) bool {
			if f["role"] == "master" {
				return f["connected_slaves"] == strconv.Itoa(replicas)
			}
			return f["master_link_status"] == "up" && f["master_sync_in_progress"] == "0"
		})
	}
	return c
}

// MasterOf returns the node that serves key's hash slot as master, as the
// first running node that answers sees it (CLUSTER KEYSLOT, CLUSTER NODES).
// After a failover that is the promoted replica, once that node has heard
// of the promotion. It fails the test when no running node answers or none
// serves the slot.
func (c *Cluster) MasterOf(key string) *Server {
	c.t.Helper()
	for _, s := range c.Servers {
		if !s.running() {
			continue
		}
		slot, err := Do(s.Addr, "CLUSTER", "KEYSLOT", key)
		if err != nil {
			continue
		}
		nodes, err := Do(s.Addr, "CLUSTER", "NODES")
		if err != nil {
			continue
		}
		n, err := strconv.Atoi(slot)
		if err != nil {
			c.t.Fatalf("redistest: CLUSTER KEYSLOT %q = %q", key, slot)
		}
		addr := slotMaster(nodes, n)
		for _, m := range c.Servers {
			if m.Addr == addr {
				return m
			}
		}
		c.t.Fatalf("redistest: %s knows no live master of slot %d (key %q):\n%s", s.Addr, n, key, nodes)
	}
	c.t.Fatalf("redistest: no running cluster node answers")
	return nil
}

// slotMaster returns the host:port of the node that a CLUSTER NODES reply
// lists as the master serving slot, not flagged as failing, or "". A line
// reads "<id> <ip:port@bus[,hostname]> <flags> <master> <ping> <pong>
// <epoch> <link> <slot or first-last>...".
func slotMaster(nodes string, slot int) string {
	for _, line := range strings.Split(nodes, "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		flags := strings.Split(f[2], ",")
		if !slices.Contains(flags, "master") || slices.Contains(flags, "fail") || slices.Contains(flags, "fail?") {
			continue
		}
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") { // a slot being migrated or imported
				continue
			}
			lo, hi, isRange := strings.Cut(r, "-")
			if !isRange {
				hi = lo
			}
			l, err1 := strconv.Atoi(lo)
			h, err2 := strconv.Atoi(hi)
			if err1 == nil && err2 == nil && l <= slot && slot <= h {
				addr, _, _ := strings.Cut(f[1], "@")
				return addr
			}
		}
	}
	return ""
}
