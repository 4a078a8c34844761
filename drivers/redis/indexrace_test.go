package redis_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/runtime"
)

// On Cluster a save that changes the owner index runs in steps on
// different nodes. These tests run another request's listing, revocation
// or failure between the steps (from go-redis hooks) and check that the
// session ends up either listed and revocable, or ended: never alive and
// unlisted.

// loginAs signs a new browser in as owner and returns its cookie.
func loginAs(a *app, owner string) string {
	_, cookie := a.do("", func(_ http.ResponseWriter, s *runtime.Session) {
		s.Regenerate()
		s.SetOwner(owner)
		runtime.Store(s, "user", owner, str)
	})
	return cookie
}

func userOf(a *app, cookie string) string {
	var user string
	a.do(cookie, func(_ http.ResponseWriter, s *runtime.Session) { user, _ = runtime.Lookup(s, "user", str) })
	return user
}

// afterCmd is a go-redis hook that runs then once, after the first command
// that match accepts, while on.
type afterCmd struct {
	on    atomic.Bool
	match func(goredis.Cmder) bool
	then  func()
}

func (h *afterCmd) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (h *afterCmd) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
func (h *afterCmd) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		if err == nil && h.match(cmd) && h.on.CompareAndSwap(true, false) {
			h.then()
		}
		return err
	}
}

// TestClusterListingDuringALogin: a listing that runs after a login added
// its index entry, and before it wrote the session, must not make the
// session unlisted.
func TestClusterListingDuringALogin(t *testing.T) {
	c, _ := newClusterClient(t, redistest.StartCluster(t))
	d := newDriver(t, c)
	a := newApp(t, d)
	h := &afterCmd{
		match: func(cmd goredis.Cmder) bool { // the index script
			args := cmd.Args()
			return (cmd.Name() == "evalsha" || cmd.Name() == "eval") && len(args) > 3 && strings.Contains(args[3].(string), ":owner:")
		},
		then: func() { d.Sessions(context.Background(), "ada") },
	}
	c.AddHook(h)
	h.on.Store(true)
	laptop := loginAs(a, "ada")
	if h.on.Load() {
		t.Fatal("the hook never ran")
	}
	if list, err := a.m.Sessions(context.Background(), "ada"); err != nil || len(list) != 1 {
		t.Errorf("after a listing during the login, ada lists %d sessions (%v), want 1", len(list), err)
	}
	if n, err := a.m.Revoke(context.Background(), "ada"); err != nil || n != 1 || userOf(a, laptop) != "" {
		t.Errorf("Revoke(ada) = %d, %v; the laptop's user %q", n, err, userOf(a, laptop))
	}
}

// TestClusterRevokeDuringARegenerate: a Revoke that runs after a
// Regenerate deleted the old ID, and before it wrote the new one, ends the
// session; the save does not bring it back.
func TestClusterRevokeDuringARegenerate(t *testing.T) {
	c, _ := newClusterClient(t, redistest.StartCluster(t))
	d := newDriver(t, c)
	a := newApp(t, d)
	laptop := loginAs(a, "ada")
	var revoked int
	h := &afterCmd{
		match: func(cmd goredis.Cmder) bool { return cmd.Name() == "del" },
		then:  func() { revoked, _ = d.Revoke(context.Background(), "ada", nil, "") },
	}
	c.AddHook(h)
	h.on.Store(true)
	_, laptop = a.do(laptop, func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate() })
	a.takeErrs()
	if h.on.Load() {
		t.Fatal("the hook never ran")
	}
	if user := userOf(a, laptop); user != "" {
		t.Errorf("a Revoke during the Regenerate (ended %d) left the laptop signed in as %q", revoked, user)
	}
	if n := sessionKeys(t, c); n != 0 {
		t.Errorf("%d session hashes left, want none", n)
	}
}

// TestClusterFailedIndexCleanupKeepsTheLogin: when only the last step of a
// Regenerate (removing the previous index entry) fails, the session has
// moved: the request succeeds and the stale entry is never listed.
func TestClusterFailedIndexCleanupKeepsTheLogin(t *testing.T) {
	c, _ := newClusterClient(t, redistest.StartCluster(t))
	a := newApp(t, newDriver(t, c))
	laptop := loginAs(a, "ada")
	f := &failCmd{name: "zrem"}
	c.AddHook(f)
	f.on.Store(true)
	w, after := a.do(laptop, func(_ http.ResponseWriter, s *runtime.Session) { s.Regenerate() })
	f.on.Store(false)
	if w.Code != http.StatusOK || after == laptop || userOf(a, after) != "ada" {
		t.Errorf("a failed ZREM of the old entry: status %d, cookie changed %v, user %q", w.Code, after != laptop, userOf(a, after))
	}
	if list, err := a.m.Sessions(context.Background(), "ada"); err != nil || len(list) != 1 {
		t.Errorf("ada lists %d sessions (%v), want the one", len(list), err)
	}
}

// failCmd is a go-redis hook that fails every command called name while on.
type failCmd struct {
	name string
	on   atomic.Bool
}

func (f *failCmd) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (f *failCmd) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
func (f *failCmd) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if f.on.Load() && cmd.Name() == f.name {
			cmd.SetErr(goredis.ErrClosed)
			return goredis.ErrClosed
		}
		return next(ctx, cmd)
	}
}
