package sessiontest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// RunServerSide runs the suite of what server-side drivers (memory,
// Redis) do beyond the cookie driver: merge concurrent requests' increments
// exactly, lock sessions for Manager.Exclusive, and index sessions by owner
// for listing and revoking. newDriver's drivers must implement
// runtime.Locker and runtime.OwnerIndex.
func RunServerSide(t *testing.T, newDriver func(t *testing.T) runtime.Driver) {
	for _, tc := range serverSideCases {
		t.Run(tc.name, func(t *testing.T) {
			opts := runtime.Options{}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			h := NewHarness(t, newDriver(t), opts)
			tc.run(t, h)
		})
	}
}

// Each runs step in each of n concurrent requests of the session whose
// cookie value is token, through wrap if it is not nil (inside the
// manager's middleware), and returns their statuses. Each calls may run at
// the same time.
func (h *Harness) Each(n int, token string, wrap func(http.Handler) http.Handler, step func(http.ResponseWriter, *runtime.Session)) []int {
	h.T.Helper()
	var inner http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		step(w, s)
	})
	if wrap != nil {
		inner = wrap(inner)
	}
	h.mu.Lock()
	if h.each == nil {
		h.each = make(map[string]http.Handler)
	}
	h.nEach++
	id := fmt.Sprint(h.nEach)
	h.each[id] = inner
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		delete(h.each, id)
		h.mu.Unlock()
	}()
	codes := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, _ := http.NewRequest("GET", h.Server.URL+"/", nil)
			r.AddCookie(&http.Cookie{Name: h.Manager.Options().Name, Value: token})
			r.Header.Set(eachHeader, id)
			resp, err := h.Client.Transport.RoundTrip(r)
			if err != nil {
				h.T.Errorf("request %d: %v", i, err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	return codes
}

// Device returns a second browser of the same server: another client with
// a cookie jar of its own, sharing h's manager, clock and steps.
func (h *Harness) Device() *Harness {
	jar, _ := cookiejar.New(nil)
	return &Harness{T: h.T, Clock: h.Clock, Manager: h.Manager, Server: h.Server, URL: h.URL,
		Client: &http.Client{Jar: jar, Transport: h.Client.Transport, Timeout: h.Client.Timeout}, shared: h.shared}
}

func allOK(t *testing.T, what string, codes []int) {
	t.Helper()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("%s: request %d answered %d", what, i, c)
		}
	}
}

var (
	u64  = runtime.Unsigned[uint64]{}
	i8   = runtime.Signed[int8]{}
	strs = runtime.Value[[]string]{}
)

// login signs the harness's browser in as owner on device, as an
// application's login handler does.
func login(h *Harness, owner, device string) {
	h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
		s.Regenerate()
		s.SetOwner(owner)
		s.SetDevice(device)
		set(s, "user", owner)
	})
}

func listed(t *testing.T, h *Harness, owner string) []runtime.SessionInfo {
	t.Helper()
	var list []runtime.SessionInfo
	var err error
	h.Do(func(w http.ResponseWriter, s *runtime.Session) {
		list, err = h.Manager.Sessions(h.ctx(), owner)
	})
	if err != nil {
		t.Fatalf("Sessions(%q): %v", owner, err)
	}
	return list
}

func devices(list []runtime.SessionInfo) []string {
	var ds []string
	for _, s := range list {
		d := s.Device
		if s.Current {
			d += "*"
		}
		ds = append(ds, d)
	}
	return ds
}

var serverSideCases = []testCase{
	{"ConcurrentIncrementsAreExact", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "hits", int64(7), i64) })
		for round := 1; round <= 3; round++ {
			allOK(t, "increments", h.Each(50, h.Cookie(), nil, func(_ http.ResponseWriter, s *runtime.Session) {
				runtime.Add(s, "hits", 1, i64)
			}))
			var got int64
			h.Do(func(_ http.ResponseWriter, s *runtime.Session) { got, _ = runtime.Lookup(s, "hits", i64) })
			if want := 7 + 50*int64(round); got != want {
				t.Fatalf("after round %d of 50 concurrent increments: %d, want %d", round, got, want)
			}
		}
	}},
	{"IncrementsAtTheIntegerExtremes", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Store(s, "i64", int64(math.MaxInt64-9), i64)
			runtime.Store(s, "neg", int64(math.MinInt64+9), i64)
			runtime.Store(s, "u64", uint64(math.MaxUint64-9), u64)
			runtime.Store(s, "i8", int8(120), i8)
		})
		allOK(t, "increments", h.Each(20, h.Cookie(), nil, func(_ http.ResponseWriter, s *runtime.Session) {
			runtime.Add(s, "i64", 1, i64)
			runtime.Add(s, "neg", -1, i64)
			runtime.Add(s, "u64", 1, u64)
			runtime.Add(s, "i8", 1, i8)
		}))
		var a, b int64
		var c uint64
		var d int8
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			a, _ = runtime.Lookup(s, "i64", i64)
			b, _ = runtime.Lookup(s, "neg", i64)
			c, _ = runtime.Lookup(s, "u64", u64)
			d, _ = runtime.Lookup(s, "i8", i8)
		})
		// 20 past each edge, wrapping as Go's + does.
		if a != math.MinInt64+10 || b != math.MaxInt64-10 || c != 10 || d != -116 {
			t.Errorf("int64 %d, %d; uint64 %d; int8 %d: want %d, %d; 10; -116", a, b, c, d,
				int64(math.MinInt64+10), int64(math.MaxInt64-10))
		}
	}},
	{"ExclusiveAppendsLoseNothing", nil, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { runtime.Store(s, "cart", []string{}, strs) })
		var mu sync.Mutex
		n := 0
		allOK(t, "appends", h.Each(20, h.Cookie(), h.Manager.Exclusive, func(_ http.ResponseWriter, s *runtime.Session) {
			mu.Lock()
			n++
			item := fmt.Sprint("item-", n)
			mu.Unlock()
			cart, _ := runtime.Lookup(s, "cart", strs)
			time.Sleep(time.Millisecond) // widen the window a lost update needs
			runtime.Store(s, "cart", append(cart, item), strs)
		}))
		var cart []string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { cart, _ = runtime.Lookup(s, "cart", strs) })
		slices.Sort(cart)
		if len(slices.Compact(cart)) != 20 {
			t.Errorf("20 concurrent appends through Exclusive left %d distinct items: %v", len(cart), cart)
		}
	}},
	{"LockWaitIsBounded", func(o *runtime.Options) { o.LockWait = 150 * time.Millisecond }, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		l := h.locker(t)
		if rec, err := l.LoadLocked(context.Background(), "session", h.Cookie(), "held-elsewhere", time.Minute); err != nil || rec == nil {
			t.Fatalf("taking the lock: %v, %v", rec, err)
		}
		errs := make(chan error, 1)
		start := time.Now()
		codes := h.Each(1, h.Cookie(), h.Manager.Exclusive, func(http.ResponseWriter, *runtime.Session) {
			t.Error("the handler ran while another request held the lock")
		})
		h.Server.Config.Handler = h.Manager.Middleware(h.Manager.Exclusive(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, err := runtime.From(r.Context())
			errs <- err
			runtime.ServeError(w, r, err)
		})))
		h.Do(noop)
		h.Restore()
		if took := time.Since(start); codes[0] != http.StatusTooManyRequests || took < 150*time.Millisecond || took > 3*time.Second {
			t.Errorf("a request waiting on a held lock: %d after %v, want 429 soon after the 150ms LockWait, not before", codes[0], took)
		}
		if err := <-errs; !errors.Is(err, runtime.ErrLocked) {
			t.Errorf("From: %v, want ErrLocked", err)
		}
		if err := l.Unlock(context.Background(), "session", h.Cookie(), "held-elsewhere"); err != nil {
			t.Fatal(err)
		}
		allOK(t, "after the unlock", h.Each(1, h.Cookie(), h.Manager.Exclusive, noop))
	}},
	{"CrashedHoldersLockExpires", func(o *runtime.Options) { o.LockWait = 3 * time.Second }, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		if _, err := h.locker(t).LoadLocked(context.Background(), "session", h.Cookie(), "crashed", 300*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		allOK(t, "after a crashed holder", h.Each(1, h.Cookie(), h.Manager.Exclusive, func(_ http.ResponseWriter, s *runtime.Session) {
			set(s, "a", "2")
		}))
		if took := time.Since(start); took < 200*time.Millisecond {
			t.Errorf("got the lock after %v, before the crashed holder's 300ms lock expired", took)
		}
	}},
	{"ExclusiveWithoutALoadTakesNoLock", func(o *runtime.Options) { o.LockWait = 50 * time.Millisecond }, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "a", "1") })
		if _, err := h.locker(t).LoadLocked(context.Background(), "session", h.Cookie(), "held", time.Minute); err != nil {
			t.Fatal(err)
		}
		h.Server.Config.Handler = h.Manager.Middleware(h.Manager.Exclusive(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "no session needed")
		})))
		if h.Do(noop); h.Status != http.StatusOK {
			t.Errorf("a request that never loads its session waited for the lock: %d", h.Status)
		}
	}},
	{"AccountSessions", nil, func(t *testing.T, h *Harness) {
		phone, tablet := h.Device(), h.Device()
		login(h, "ada", "laptop")
		h.Clock.Advance(time.Second)
		login(phone, "ada", "phone")
		h.Clock.Advance(time.Second)
		login(tablet, "ada", "tablet")
		login(h.Device(), "bob", "bob's laptop")
		h.Clock.Advance(2 * time.Minute)
		phone.Do(noop) // past the touch interval: the phone's activity is recorded
		list := listed(t, h, "ada")
		if got := devices(list); !slices.Equal(got, []string{"phone", "tablet", "laptop*"}) {
			t.Fatalf("ada's devices, most recently active first: %v", got)
		}
		for _, s := range list {
			if s.Handle == "" || strings.Contains(s.Handle, h.Cookie()) || s.Created.IsZero() || s.Active.Before(s.Created) {
				t.Errorf("session info %+v", s)
			}
		}
		// Regenerate keeps the owner, and the index follows the new ID.
		phoneHandle := list[0].Handle
		h.Clock.Advance(time.Second)
		phone.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate() })
		list = listed(t, h, "ada")
		if got := devices(list); len(got) != 3 || list[0].Device != "phone" || list[0].Handle != phoneHandle {
			t.Errorf("after the phone regenerated its ID: %v (handle %q, was %q)", got, list[0].Handle, phoneHandle)
		}
		// Revoke one: the phone's next request is a fresh session.
		if n, err := h.Manager.Revoke(context.Background(), "ada", phoneHandle); err != nil || n != 1 {
			t.Fatalf("Revoke(phone) = %d, %v", n, err)
		}
		var user string
		phone.Do(read("user", &user))
		want(t, "the revoked phone's user", user, "<absent>")
		if got := devices(listed(t, h, "ada")); !slices.Equal(got, []string{"laptop*", "tablet"}) {
			t.Errorf("after revoking the phone: %v", got)
		}
		// Sign out the others: only the current device stays.
		var n int
		var err error
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { n, err = h.Manager.RevokeOthers(h.ctx()) })
		if err != nil || n != 1 {
			t.Errorf("RevokeOthers = %d, %v; want the tablet", n, err)
		}
		tablet.Do(read("user", &user))
		want(t, "the signed-out tablet's user", user, "<absent>")
		if got := devices(listed(t, h, "ada")); !slices.Equal(got, []string{"laptop*"}) {
			t.Errorf("after signing out the others: %v", got)
		}
		// Logout: the session leaves the index; bob's stays.
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Invalidate() })
		if got := listed(t, h, "ada"); len(got) != 0 {
			t.Errorf("after logout ada still has %v", devices(got))
		}
		if got := devices(listed(t, h, "bob")); !slices.Equal(got, []string{"bob's laptop"}) {
			t.Errorf("bob's devices: %v", got)
		}
		// Revoke with no handle ends all of them.
		if n, err := h.Manager.Revoke(context.Background(), "bob"); err != nil || n != 1 {
			t.Errorf("Revoke(bob) = %d, %v", n, err)
		}
	}},
	{"RevokedSessionsSlowRequestWritesNothing", nil, func(t *testing.T, h *Harness) {
		login(h, "ada", "laptop")
		token := h.Cookie()
		loaded, revoked := make(chan struct{}), make(chan struct{})
		done := make(chan []int)
		go func() {
			done <- h.Each(1, token, nil, func(_ http.ResponseWriter, s *runtime.Session) {
				close(loaded)
				<-revoked
				set(s, "cart", "book")
			})
		}()
		<-loaded
		if n, err := h.Manager.Revoke(context.Background(), "ada"); err != nil || n != 1 {
			t.Errorf("Revoke = %d, %v", n, err)
		}
		close(revoked)
		<-done
		var user, cart string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			user, cart = orAbsent(get(s, "user")), orAbsent(get(s, "cart"))
		})
		if user != "<absent>" || cart != "<absent>" {
			t.Errorf("the revoked session came back: user %q, cart %q", user, cart)
		}
		if got := listed(t, h, "ada"); len(got) != 0 {
			t.Errorf("a revoked session is listed: %v", devices(got))
		}
	}},
	{"RevokeOthersAfterRegenerateKeepsThisDevice", nil, func(t *testing.T, h *Harness) {
		phone := h.Device()
		login(h, "ada", "laptop")
		login(phone, "ada", "phone")
		var n int
		var err error
		// After a password change: a new ID for this device, the others out.
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) {
			s.Regenerate()
			n, err = h.Manager.RevokeOthers(h.ctx())
		})
		var user, phoneUser string
		h.Do(read("user", &user))
		phone.Do(read("user", &phoneUser))
		if err != nil || n != 1 || user != "ada" || phoneUser != "<absent>" {
			t.Errorf("RevokeOthers after Regenerate = %d, %v; this device's user %q, the phone's %q; want 1, ada, <absent>",
				n, err, user, phoneUser)
		}
	}},
	{"LaterRememberMeKeepsTheSessionListed", func(o *runtime.Options) {
		o.Lifetime, o.PersistIdleTimeout, o.PersistLifetime = 10*time.Minute, 7*24*time.Hour, 30*24*time.Hour
	}, func(t *testing.T, h *Harness) {
		login(h, "ada", "laptop")
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.SetPersist(true) }) // remember me, chosen later
		h.Clock.Advance(11 * time.Minute)                                            // past the deadline the session was indexed with
		login(h.Device(), "ada", "phone")                                            // a login prunes the index
		if got := devices(listed(t, h, "ada")); len(got) != 2 {
			t.Errorf("ada lists %v, want the remembered laptop too", got)
		}
		if n, err := h.Manager.Revoke(context.Background(), "ada"); err != nil || n != 2 {
			t.Errorf("Revoke(ada) = %d, %v; want both sessions", n, err)
		}
		var user string
		h.Do(read("user", &user))
		want(t, "the remembered laptop's user after Revoke", user, "<absent>")
	}},
	{"AnotherRoutesWholeWriteKeepsTheLock", func(o *runtime.Options) { o.LockWait = 2 * time.Second }, func(t *testing.T, h *Harness) {
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { set(s, "cart", "a") })
		token := h.Cookie()
		inA, releaseA := make(chan struct{}), make(chan struct{})
		doneA := make(chan []int)
		go func() {
			doneA <- h.Each(1, token, h.Manager.Exclusive, func(http.ResponseWriter, *runtime.Session) {
				close(inA)
				<-releaseA
			})
		}()
		<-inA
		// A request of another route empties and refills the session.
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.Reset(); set(s, "cart", "b") })
		l := h.locker(t)
		if rec, err := l.LoadLocked(context.Background(), "session", token, "second", time.Minute); !errors.Is(err, runtime.ErrLocked) {
			t.Errorf("after another route's Reset the lock was free: %v, %v", rec, err)
			l.Unlock(context.Background(), "session", token, "second")
		}
		close(releaseA)
		allOK(t, "the lock holder", <-doneA)
	}},
	{"DeviceOnlySaveKeepsAnotherRequestsOwner", nil, func(t *testing.T, h *Harness) {
		login(h, "ada", "laptop")
		token := h.Cookie()
		var ready sync.WaitGroup
		ready.Add(2)
		moved := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() { // moves the session to bob
			h.Each(1, token, nil, func(_ http.ResponseWriter, s *runtime.Session) {
				ready.Done()
				ready.Wait()
				s.SetOwner("bob")
			})
			close(moved)
		})
		wg.Go(func() { // loaded before, saved after: only relabels the device
			h.Each(1, token, nil, func(_ http.ResponseWriter, s *runtime.Session) {
				ready.Done()
				ready.Wait()
				<-moved
				s.SetDevice("laptop (Firefox)")
			})
		})
		wg.Wait()
		var owner string
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { owner = s.Owner() })
		if ada, bob := listed(t, h, "ada"), listed(t, h, "bob"); owner != "bob" || len(ada) != 0 || len(bob) != 1 {
			t.Errorf("owner %q; ada lists %d, bob %d; want the session bob's and listed under bob only", owner, len(ada), len(bob))
		}
	}},
	{"HostileOwnersShareNothing", nil, func(t *testing.T, h *Harness) {
		owners := []string{"{a}", "a", "*", "a*", "a\r\nb", "a\x00b", "a\x00", strings.Repeat("x", runtime.MaxOwnerLen), "user:1", "user"}
		for i, o := range owners {
			login(h.Device(), o, fmt.Sprint("device ", i))
		}
		for i, o := range owners {
			if got := devices(listed(t, h, o)); !slices.Equal(got, []string{fmt.Sprint("device ", i)}) {
				t.Errorf("owner %.20q lists %q", o, got)
			}
		}
		if n, err := h.Manager.Revoke(context.Background(), "a"); err != nil || n != 1 {
			t.Errorf("Revoke(a) = %d, %v", n, err)
		}
		for _, o := range owners {
			if n := len(listed(t, h, o)); n != map[bool]int{true: 0, false: 1}[o == "a"] {
				t.Errorf("after revoking owner a, owner %.20q has %d sessions", o, n)
			}
		}
		// An owner past the documented length is refused, not truncated.
		h.Do(func(_ http.ResponseWriter, s *runtime.Session) { s.SetOwner(strings.Repeat("x", 10<<10)) })
		if errs := h.Errs(); h.Status != http.StatusInternalServerError || len(errs) != 1 {
			t.Errorf("a 10 KB owner: status %d, errors %v; want the save refused", h.Status, errs)
		}
	}},
}

// ctx returns the context of the request being served, for a step that
// calls the manager's methods.
func (h *Harness) ctx() context.Context {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.reqCtx
}

// locker returns the harness's driver as a runtime.Locker.
func (h *Harness) locker(t *testing.T) runtime.Locker {
	l, ok := h.driver.(runtime.Locker)
	if !ok {
		t.Fatalf("%T does not implement runtime.Locker", h.driver)
	}
	return l
}
