// Command benchtable turns the raw output of the bench module's benchmarks
// (go test -bench, any -count) into the Markdown tables of the README: the
// median of every metric per case, then sessgen's ratios to each peer and
// to the floor.
//
// Usage:
//
//	benchtable out/bench-*.txt
//
// benchstat (go tool benchstat) gives the confidence intervals; this command
// only lays the medians side by side, one row per case.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// columns are the metrics shown, in order, with their headings.
var columns = []struct{ unit, head string }{
	{"ns/op", "ns/op"},
	{"B/op", "B/op"},
	{"allocs/op", "allocs/op"},
	{"cookie-bytes", "cookie bytes"},
	{"cmds/op", "Redis cmds sent/op"},
	{"roundtrips/op", "round trips/op"},
	{"srv-cmds/op", "cmds run by redis-server/op"},
	{"cpu-ns/op", "CPU ns/op (Go)"},
	{"srv-cpu-ns/op", "CPU ns/op (redis-server)"},
}

// results holds every value seen, by benchmark name (without the
// GOMAXPROCS suffix) and unit.
type results struct {
	order  []string
	values map[string]map[string][]float64
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: benchtable file...")
		os.Exit(2)
	}
	rs := &results{values: map[string]map[string][]float64{}}
	for _, name := range os.Args[1:] {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
		err = rs.read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "benchtable: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	rs.write(os.Stdout)
}

// read adds the benchmark lines of r.
func (rs *results) read(r io.Reader) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") || len(f)%2 != 0 {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		m := rs.values[name]
		if m == nil {
			m = map[string][]float64{}
			rs.values[name] = m
			rs.order = append(rs.order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return fmt.Errorf("%q: %w", sc.Text(), err)
			}
			m[f[i+1]] = append(m[f[i+1]], v)
		}
	}
	return sc.Err()
}

// median returns the median of name's values in unit, and whether there are any.
func (rs *results) median(name, unit string) (float64, bool) {
	v := slices.Clone(rs.values[name][unit])
	if len(v) == 0 {
		return 0, false
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2], true
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2, true
}

// label shortens "BenchmarkCycle/lib=x/rw=y" to "x", "y".
func label(name string) (what, rw string) {
	parts := strings.Split(name, "/")
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "lib":
			what = v
		case "floor":
			what = "floor: " + v
		case "rw":
			rw = v
		}
	}
	if what == "" {
		what = name
	}
	return what, rw
}

func format(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func (rs *results) write(w io.Writer) {
	fmt.Fprint(w, "| case | request |")
	for _, c := range columns {
		fmt.Fprintf(w, " %s |", c.head)
	}
	fmt.Fprint(w, "\n|---|---|")
	for range columns {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	for _, name := range rs.order {
		what, rw := label(name)
		fmt.Fprintf(w, "| %s | %s |", what, rw)
		for _, c := range columns {
			if v, ok := rs.median(name, c.unit); ok {
				fmt.Fprintf(w, " %s |", format(v))
			} else {
				fmt.Fprint(w, " – |")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
	rs.ratios(w)
}

// comparisons pair sessgen's cases with the peers that store the same way.
var comparisons = []struct{ sessgen, peer string }{
	{"sessgen-cookie", "gorilla-cookie"},
	{"sessgen-cookie", "scs-memstore"},
	{"sessgen-redis", "scs-redisstore"},
	{"sessgen-redis", "gorilla-redisstore"},
}

// floors list the floor parts a sessgen case cannot avoid.
var floors = map[string][]string{
	"sessgen-cookie": {"http", "aes-gcm", "base64", "msgpack"},
	"sessgen-redis":  {"http", "msgpack", "redis"},
}

func cycle(lib, rw string) string { return "BenchmarkCycle/lib=" + lib + "/rw=" + rw }

func (rs *results) ratios(w io.Writer) {
	fmt.Fprintln(w, "| peer ÷ sessgen | request | time | allocs | bytes allocated | cookie bytes | CPU (Go) | round trips |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|")
	for _, c := range comparisons {
		for _, rw := range []string{"write", "read"} {
			s, p := cycle(c.sessgen, rw), cycle(c.peer, rw)
			fmt.Fprintf(w, "| %s ÷ %s | %s |", c.peer, c.sessgen, rw)
			for _, unit := range []string{"ns/op", "allocs/op", "B/op", "cookie-bytes", "cpu-ns/op", "roundtrips/op"} {
				fmt.Fprintf(w, " %s |", rs.ratio(p, s, unit))
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| sessgen vs its floor | request | floor parts | floor ns/op | sessgen ns/op | sessgen ÷ floor | floor allocs | sessgen allocs |")
	fmt.Fprintln(w, "|---|---|---|---:|---:|---:|---:|---:|")
	for _, lib := range []string{"sessgen-cookie", "sessgen-redis"} {
		for _, rw := range []string{"write", "read"} {
			var ns, allocs float64
			complete := true
			for _, f := range floors[lib] {
				v, ok1 := rs.median("BenchmarkFloor/floor="+f+"/rw="+rw, "ns/op")
				a, ok2 := rs.median("BenchmarkFloor/floor="+f+"/rw="+rw, "allocs/op")
				ns, allocs, complete = ns+v, allocs+a, complete && ok1 && ok2
			}
			sns, ok1 := rs.median(cycle(lib, rw), "ns/op")
			sal, ok2 := rs.median(cycle(lib, rw), "allocs/op")
			if !complete || !ok1 || !ok2 {
				continue
			}
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", lib, rw, strings.Join(floors[lib], " + "),
				format(ns), format(sns), ratio(sns, ns), format(allocs), format(sal))
		}
	}
}

// ratio returns num's median over den's in unit, as "4.2×".
func (rs *results) ratio(num, den, unit string) string {
	n, ok1 := rs.median(num, unit)
	d, ok2 := rs.median(den, unit)
	if !ok1 || !ok2 {
		return "–"
	}
	return ratio(n, d)
}

func ratio(n, d float64) string {
	if d == 0 {
		if n == 0 {
			return "="
		}
		return "∞"
	}
	return strconv.FormatFloat(n/d, 'f', 2, 64) + "×"
}
