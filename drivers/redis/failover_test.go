package redis_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/drivers/redis"
	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/runtime"
)

// The failover tests kill the master that sessions live on while visitors
// browse an app, and check that the app answers 503 during the outage,
// never hangs or panics, and serves everyone again once a replica has taken
// over, through the same go-redis client and without a restart, leaving no
// goroutine behind when it shuts down.
const (
	visitors = 20
	// pace is the pause between one visitor's requests.
	pace = 20 * time.Millisecond
	// recoveryBound is how long after the kill every visitor must be
	// served again.
	recoveryBound = 15 * time.Second
	// answerBound is the slowest acceptable answer, a 503 included: the
	// client's timeouts below bound a load or save to about a second.
	answerBound = 2500 * time.Millisecond
	// A visitor counts as served again after settledAnswers 200s in a
	// row, and all of them once no one has seen an error for settledQuiet.
	settledAnswers = 10
	settledQuiet   = time.Second
)

// failFast are go-redis settings that fail fast, as the package
// documentation recommends: a request whose Redis is gone is answered 503
// within about a second.
func failFast(o *goredis.UniversalOptions) *goredis.UniversalOptions {
	o.DialTimeout = 500 * time.Millisecond
	o.DialerRetries = 1
	o.ReadTimeout = 500 * time.Millisecond
	o.WriteTimeout = 500 * time.Millisecond
	o.MaxRetries = 1
	o.ContextTimeoutEnabled = true
	return o
}

// TestFailoverSentinel kills the master of a deployment of a master, a
// replica and three Sentinels while 20 visitors browse.
func TestFailoverSentinel(t *testing.T) {
	master, replica, sentinels, c := startSentinels(t)
	tr := startTraffic(serve(t, c))
	tr.kill(master)
	tr.stop("Sentinel", master.Version)
	checkPromoted(t, sentinels, replica)
}

// TestFailoverCluster kills one master of a Cluster of three masters with
// one replica each, the one the first visitor's session lives on, while 20
// visitors browse.
func TestFailoverCluster(t *testing.T) {
	cl := redistest.StartClusterWithReplicas(t)
	c := goredis.NewUniversalClient(failFast(&goredis.UniversalOptions{Addrs: cl.Addrs}))
	tr := startTraffic(serve(t, c))
	key := tr.app.d.Key(tr.visitors[0].sessionID())
	victim := cl.MasterOf(key)
	tr.kill(victim)
	tr.stop("Cluster", victim.Version)
	if m := cl.MasterOf(key); m == victim {
		t.Errorf("%s still serves %s after recovery", victim.Addr, key)
	}
}

// TestFailoverLosesUnreplicatedWrites shows what asynchronous replication
// means for a write acknowledged just before a failover: the replica never
// got it, so after the failover a session reads as it was before the
// write, and a session created by it is gone (the visitor gets a fresh
// one). Nothing is corrupted and nothing fails besides the 503s of the
// outage.
func TestFailoverLosesUnreplicatedWrites(t *testing.T) {
	master, replica, sentinels, c := startSentinels(t)
	app := serve(t, c)
	returning, newcomer := app.visitor(), app.visitor()
	if a := returning.get(); a.code != http.StatusOK {
		t.Fatalf("first request: %d %v", a.code, a.err)
	}
	if n, err := redistest.Do(master.Addr, "WAIT", "1", "5000"); n != "1" || err != nil {
		t.Fatalf("WAIT for the replica: %s, %v", n, err)
	}
	// Cut the replica off: while it sleeps, the master drops its link, so
	// what the master acknowledges next never reaches it.
	go redistest.Do(replica.Addr, "DEBUG", "SLEEP", "1")
	time.Sleep(100 * time.Millisecond)
	if n, err := redistest.Do(master.Addr, "CLIENT", "KILL", "TYPE", "replica"); n != "1" || err != nil {
		t.Fatalf("CLIENT KILL TYPE replica: %s, %v", n, err)
	}
	for _, v := range []*visitor{returning, newcomer} {
		if a := v.get(); a.code != http.StatusOK {
			t.Fatalf("request before the kill: %d %v", a.code, a.err)
		}
	}
	if repl, err := redistest.Do(master.Addr, "INFO", "replication"); err != nil || !strings.Contains(repl, "connected_slaves:0") {
		t.Fatalf("the replica is still connected, so the writes may have reached it (%v):\n%s", err, repl)
	}
	master.Stop()
	for _, v := range []*visitor{returning, newcomer} {
		deadline := time.Now().Add(recoveryBound)
		for a := v.get(); a.code != http.StatusOK; a = v.get() {
			if a.code != http.StatusServiceUnavailable || time.Now().After(deadline) {
				t.Fatalf("after the kill: %d %v", a.code, a.err)
			}
			time.Sleep(pace)
		}
	}
	if returning.count != 2 || returning.lost != 1 || len(returning.problems) > 0 {
		t.Errorf("session written twice, the second write lost: counter %d (want 2: the first write, then this request), %d lost writes seen (want 1), problems %q",
			returning.count, returning.lost, returning.problems)
	}
	if newcomer.count != 1 || newcomer.gone != 1 || len(newcomer.problems) > 0 {
		t.Errorf("session created just before the failover: counter %d (want 1), %d lost sessions seen (want 1), problems %q",
			newcomer.count, newcomer.gone, newcomer.problems)
	}
	app.close()
	app.checkNoLeaks()
	checkPromoted(t, sentinels, replica)
}

// startSentinels starts a master, a replica and three Sentinels, and
// returns them with a failover client (go-redis's for Sentinel).
func startSentinels(t *testing.T) (master, replica *redistest.Server, sentinels []*redistest.Server, c goredis.UniversalClient) {
	t.Helper()
	master = redistest.Start(t)
	replica = redistest.StartReplica(t, master)
	sentinels = redistest.StartSentinels(t, "sessions", master.Addr, 3)
	var addrs []string
	for _, s := range sentinels {
		addrs = append(addrs, s.Addr)
	}
	c = goredis.NewUniversalClient(failFast(&goredis.UniversalOptions{MasterName: "sessions", Addrs: addrs}))
	return master, replica, sentinels, c
}

// checkPromoted checks that every Sentinel names replica as the master.
func checkPromoted(t *testing.T, sentinels []*redistest.Server, replica *redistest.Server) {
	t.Helper()
	for _, s := range sentinels {
		if got, err := redistest.SentinelMaster(s.Addr, "sessions"); got != replica.Addr || err != nil {
			t.Errorf("Sentinel %s names master %s (%v), want the replica %s", s.Addr, got, err, replica.Addr)
		}
	}
}

// failoverApp is an app whose sessions live in Redis, served over HTTP by
// httptest: a runtime.Manager with the Redis driver, answering errors with
// runtime.ServeError, in front of a handler that increments a counter in
// the session and answers its new value.
type failoverApp struct {
	t      *testing.T
	c      goredis.UniversalClient
	d      *redis.Driver
	srv    *httptest.Server
	http   *http.Transport // shared by the visitors
	u      *url.URL
	before map[string]string // goroutines that existed before the app
	once   sync.Once
}

func serve(t *testing.T, c goredis.UniversalClient) *failoverApp {
	t.Helper()
	// ServeError logs every 503 to slog.Default: thousands of lines.
	def := slog.Default()
	slog.SetDefault(slog.New(slog.DiscardHandler))
	t.Cleanup(func() { slog.SetDefault(def) })

	app := &failoverApp{t: t, c: c, before: goroutines()}
	t.Cleanup(app.close)
	d, err := redis.New(c, redis.Options{Namespace: "failover", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	app.d = d
	m, err := runtime.NewManager(d, runtime.Options{Insecure: true, ErrorHandler: runtime.ServeError})
	if err != nil {
		t.Fatal(err)
	}
	app.srv = httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		n, _ := runtime.Lookup(s, "n", i64)
		runtime.Store(s, "n", n+1, i64)
		fmt.Fprint(w, n+1)
	})))
	app.http = &http.Transport{MaxIdleConnsPerHost: visitors}
	if app.u, err = url.Parse(app.srv.URL); err != nil {
		t.Fatal(err)
	}
	return app
}

// visitor returns a new browser with its own cookie jar.
func (app *failoverApp) visitor() *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		app.t.Fatal(err)
	}
	return &visitor{client: &http.Client{Transport: app.http, Jar: jar, Timeout: 2 * answerBound}, u: app.u}
}

// close shuts the app down: the HTTP server, the visitors' connections
// and the go-redis client.
func (app *failoverApp) close() {
	app.once.Do(func() {
		app.srv.Close()
		app.http.CloseIdleConnections()
		app.c.Close()
	})
}

// checkNoLeaks checks, after close, that no goroutine of go-redis, net/http
// or sessgen started since the app was made is left.
func (app *failoverApp) checkNoLeaks() {
	app.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var leaked []string
		for id, g := range goroutines() {
			if _, ok := app.before[id]; !ok {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return
		}
		if time.Now().After(deadline) {
			app.t.Errorf("%d goroutines left after shutdown:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goroutines returns the stacks of the goroutines running go-redis,
// net/http or sessgen code, by goroutine ID; test goroutines excluded.
func goroutines() map[string]string {
	buf := make([]byte, 1<<20)
	for {
		n := goruntime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	gs := make(map[string]string)
	for _, g := range strings.Split(string(buf), "\n\n") {
		header, _, _ := strings.Cut(g, "\n")
		f := strings.Fields(header) // goroutine 12 [select]:
		if len(f) < 2 || strings.Contains(g, "testing.tRunner") {
			continue
		}
		if strings.Contains(g, "github.com/redis/go-redis/") || strings.Contains(g, "net/http.") || strings.Contains(g, "github.com/sessgen/sessgen/") {
			gs[f[1]] = g
		}
	}
	return gs
}

// A visitor is one browser with its own cookie jar, sending one request
// after another; each increments the counter in its session.
type visitor struct {
	client *http.Client
	u      *url.URL

	mu       sync.Mutex
	answers  []answer
	id       string // the session ID as of the last 200
	count    int64  // the counter as of the last 200
	failed   int    // answers other than 200 since the last 200
	lost     int    // 200s showing a counter lower than the last: acknowledged writes lost
	gone     int    // 200s in a new session (counter 1): a whole session lost
	problems []string
}

// An answer is one request's outcome.
type answer struct {
	start, end time.Time
	code       int // 0 when no HTTP answer came
	err        error
}

// get sends one request, records its answer and returns it.
func (v *visitor) get() answer {
	a := answer{start: time.Now()}
	resp, err := v.client.Get(v.u.String())
	var body []byte
	if err == nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		a.code = resp.StatusCode
	}
	a.end, a.err = time.Now(), err
	id := ""
	for _, c := range v.client.Jar.Cookies(v.u) {
		if c.Name == "session" {
			id = c.Value
		}
	}
	v.record(a, string(body), id)
	return a
}

// record keeps a and checks what a 200 says the session (now id) holds:
// the counter one more than at the last 200; more if saves whose answers
// failed were applied; lower if acknowledged writes were lost in the
// failover (the session as it was before them); or 1 in a new session when
// the whole session was lost. Anything else is a corrupted session.
func (v *visitor) record(a answer, body, id string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.answers = append(v.answers, a)
	if a.code != http.StatusOK {
		v.failed++
		return
	}
	n, err := strconv.ParseInt(body, 10, 64)
	switch {
	case err != nil:
		v.problems = append(v.problems, fmt.Sprintf("200 with body %q", body))
	case id != v.id && n == 1:
		if v.id != "" {
			v.gone++
		}
	case id != v.id:
		v.problems = append(v.problems, fmt.Sprintf("new session %s with counter %d", id, n))
	case n >= v.count+1 && n <= v.count+1+int64(v.failed):
	case n >= 1 && n <= v.count:
		v.lost++
	default:
		v.problems = append(v.problems, fmt.Sprintf("counter %d after %d (%d failed requests since)", n, v.count, v.failed))
	}
	v.id, v.count, v.failed = id, n, 0
}

// sessionID returns the visitor's session ID as of its last 200.
func (v *visitor) sessionID() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.id
}

// settled reports whether the visitor's last settledAnswers answers are
// 200s sent after since, and when its last failure ended.
func (v *visitor) settled(since time.Time) (ok bool, lastFailure time.Time) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for i := len(v.answers) - 1; i >= 0; i-- {
		if a := v.answers[i]; a.code != http.StatusOK {
			lastFailure = a.end
			break
		}
	}
	n := len(v.answers)
	if n < settledAnswers {
		return false, lastFailure
	}
	for _, a := range v.answers[n-settledAnswers:] {
		if a.code != http.StatusOK || a.start.Before(since) {
			return false, lastFailure
		}
	}
	return true, lastFailure
}

// traffic is visitors browsing an app, each in its own goroutine.
type traffic struct {
	t        *testing.T
	app      *failoverApp
	visitors []*visitor
	killed   time.Time
	done     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
}

// startTraffic starts the visitors on app and returns once each has a
// session.
func startTraffic(app *failoverApp) *traffic {
	tr := &traffic{t: app.t, app: app, done: make(chan struct{})}
	tr.t.Helper()
	tr.t.Cleanup(tr.shutdown)
	for range visitors {
		v := app.visitor()
		tr.visitors = append(tr.visitors, v)
		tr.wg.Go(func() {
			for {
				select {
				case <-tr.done:
					return
				case <-time.After(pace):
				}
				v.get()
			}
		})
	}
	tr.waitUntil("every visitor has a session", 10*time.Second, func() bool {
		for _, v := range tr.visitors {
			if v.sessionID() == "" {
				return false
			}
		}
		return true
	})
	return tr
}

// kill kills s and waits until every visitor is served again: its last
// answers are 200s sent after the kill, and no visitor has seen an error
// for settledQuiet. It fails the test after recoveryBound.
func (tr *traffic) kill(s *redistest.Server) {
	tr.t.Helper()
	tr.killed = time.Now()
	s.Stop()
	tr.waitUntil("every visitor served again", recoveryBound, func() bool {
		var last time.Time
		for _, v := range tr.visitors {
			ok, failed := v.settled(tr.killed)
			if !ok {
				return false
			}
			if failed.After(last) {
				last = failed
			}
		}
		return time.Since(last) >= settledQuiet
	})
}

// waitUntil polls cond until it holds, failing the test with what the
// visitors saw after bound.
func (tr *traffic) waitUntil(what string, bound time.Duration, cond func() bool) {
	tr.t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			tr.shutdown()
			tr.t.Fatalf("not within %v: %s\n%s", bound, what, tr.summary())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shutdown stops the visitors and closes the app.
func (tr *traffic) shutdown() {
	tr.once.Do(func() {
		close(tr.done)
		tr.wg.Wait()
		tr.app.close()
	})
}

// stop shuts the app down, logs what the visitors saw and checks it: only
// 200 and 503 answers, none slow, no failure before the kill, no corrupted
// session, the first visitor (whose master was killed) interrupted; then
// that no goroutine is left.
func (tr *traffic) stop(topology, version string) {
	t := tr.t
	t.Helper()
	tr.shutdown()
	t.Logf("%s failover, %s, %d visitors:\n%s", topology, version, visitors, tr.summary())
	codes := map[int]int{}
	var slowest time.Duration
	for i, v := range tr.visitors {
		interrupted := false
		for _, a := range v.answers {
			codes[a.code]++
			slowest = max(slowest, a.end.Sub(a.start))
			if a.err != nil {
				t.Errorf("visitor %d: no answer after %v: %v", i, a.end.Sub(a.start), a.err)
			}
			if a.code != http.StatusOK {
				interrupted = true
				if a.end.Before(tr.killed) {
					t.Errorf("visitor %d: %d before the kill", i, a.code)
				}
			}
		}
		if i == 0 && !interrupted {
			t.Errorf("visitor 0, whose master was killed, saw no error: the kill missed the traffic")
		}
		for _, p := range v.problems {
			t.Errorf("visitor %d: corrupted session: %s", i, p)
		}
	}
	for code, n := range codes {
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("%d answers with status %d; want only 200 and 503", n, code)
		}
	}
	if slowest > answerBound {
		t.Errorf("slowest answer took %v; want at most %v", slowest, answerBound)
	}
	tr.app.checkNoLeaks()
}

// summary says, relative to the kill, when errors began and ended, when
// the interrupted visitors were first served again after their last error,
// what the answers were, and how many acknowledged writes were lost.
func (tr *traffic) summary() string {
	var firstErr, lastErr time.Time
	var recovery []time.Duration
	codes := map[int]int{}
	var slowest time.Duration
	lost, gone, interrupted := 0, 0, 0
	for _, v := range tr.visitors {
		v.mu.Lock()
		var failedAt, servedAt time.Time
		for _, a := range v.answers {
			codes[a.code]++
			slowest = max(slowest, a.end.Sub(a.start))
			if a.code != http.StatusOK {
				if firstErr.IsZero() || a.start.Before(firstErr) {
					firstErr = a.start
				}
				if a.end.After(lastErr) {
					lastErr = a.end
				}
				failedAt, servedAt = a.end, time.Time{}
			} else if !failedAt.IsZero() && servedAt.IsZero() {
				servedAt = a.end
			}
		}
		if !failedAt.IsZero() {
			interrupted++
			if !servedAt.IsZero() {
				recovery = append(recovery, servedAt.Sub(tr.killed))
			}
		}
		lost += v.lost
		gone += v.gone
		v.mu.Unlock()
	}
	var b strings.Builder
	if firstErr.IsZero() {
		b.WriteString("  no errors\n")
	} else {
		fmt.Fprintf(&b, "  error window: %+.2fs to %+.2fs from the kill\n", firstErr.Sub(tr.killed).Seconds(), lastErr.Sub(tr.killed).Seconds())
	}
	slices.Sort(recovery)
	if len(recovery) > 0 {
		fmt.Fprintf(&b, "  %d visitors interrupted, %d served again: first %.2fs, median %.2fs, last %.2fs after the kill\n",
			interrupted, len(recovery), recovery[0].Seconds(), recovery[len(recovery)/2].Seconds(), recovery[len(recovery)-1].Seconds())
	}
	var cs []string
	for code, n := range codes {
		cs = append(cs, fmt.Sprintf("%d×%d", n, code))
	}
	slices.Sort(cs)
	fmt.Fprintf(&b, "  answers: %s (status 0: no answer); slowest %v\n", strings.Join(cs, ", "), slowest.Round(time.Millisecond))
	fmt.Fprintf(&b, "  acknowledged writes lost: %d answers showed an older counter, %d a new session", lost, gone)
	return b.String()
}
