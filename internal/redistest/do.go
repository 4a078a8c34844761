package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

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

// info returns the fields of one section of the INFO reply of the server
// at addr, for example info(addr, "server")["process_id"].
func info(addr, section string) (map[string]string, error) {
	reply, err := Do(addr, "INFO", section)
	if err != nil {
		return nil, err
	}
	return parseInfo(reply), nil
}

// parseInfo splits an INFO reply into its field:value lines.
func parseInfo(reply string) map[string]string {
	fields := make(map[string]string)
	for _, line := range strings.Split(reply, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(k, "#") {
			fields[k] = v
		}
	}
	return fields
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

// waitInfo is [waitFor] on the fields of an INFO section.
func waitInfo(t testing.TB, deadline time.Time, addr, section, what string, ok func(fields map[string]string) bool) {
	t.Helper()
	waitFor(t, deadline, addr, what, func(reply string) bool { return ok(parseInfo(reply)) }, "INFO", section)
}
