package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	goredis "github.com/redis/go-redis/v9"

	"github.com/sessgen/sessgen/examples/shop/config"
	"github.com/sessgen/sessgen/internal/redistest"
	"github.com/sessgen/sessgen/runtime"
)

// chromium is Debian's Chromium, which the browser test drives.
const chromium = "/usr/bin/chromium"

const (
	scenarioTimeout = 40 * time.Second // one whole scenario, browser start included
	stepTimeout     = 10 * time.Second // one navigation, click or query
)

// TestBrowser drives the shop in headless Chromium, through the same
// scenario with the cookie driver (on http://127.0.0.1) and the Redis driver
// (on http://localhost), configured only through the environment as
// `go run ./examples/shop` would be. It does not skip: a missing Chromium or
// redis-server fails it with an install hint.
func TestBrowser(t *testing.T) {
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("the browser test needs Chromium at %s (%v); install it with: apt-get install chromium (./scripts/test does this)", chromium, err)
	}
	t.Run("cookie", func(t *testing.T) {
		setSessionEnv(t, "cookie")
		t.Setenv("SESSION_SECRET", rand.Text()+rand.Text())
		scenario(t, "127.0.0.1", nil)
	})
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t)
		host, port, err := net.SplitHostPort(srv.Addr)
		if err != nil {
			t.Fatal(err)
		}
		setSessionEnv(t, "redis")
		t.Setenv("REDIS_HOST", host)
		t.Setenv("REDIS_PORT", port)
		rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
		t.Cleanup(func() { rdb.Close() })
		// The browser's cookie holds only the ID of a hash in Redis; no
		// cookie, no hash.
		stored := func(t *testing.T, c *network.Cookie) {
			t.Helper()
			want := []string{}
			if c != nil {
				want = []string{"shop:session:" + c.Value}
			}
			ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
			defer cancel()
			keys, err := rdb.Keys(ctx, "shop:session:*").Result()
			if err != nil {
				t.Fatalf("listing session keys in Redis: %v", err)
			}
			if !slices.Equal(keys, want) {
				t.Errorf("Redis holds session keys %q, want %q (the cookie's ID; an old ID must be destroyed)", keys, want)
			}
		}
		scenario(t, "localhost", stored)
		devicesScenario(t, "localhost")
	})
}

// devicesScenario signs one user in on three devices (independent browser
// contexts, each with its own cookies), one of them remembered; the first
// lists them on its devices page, signs out one, then all the others, and
// each signed-out device's next page shows it signed out.
func devicesScenario(t *testing.T, host string) {
	cfg, err := config.Session()
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(cfg, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	a := startBrowser(t, "http://"+net.JoinHostPort(host, u.Port()))
	b, c := a.newDevice(), a.newDevice()
	signIn := func(d *browser, remember bool) {
		d.open("/login")
		d.do(chromedp.SendKeys(chromedp.ID("user-name"), "grace"))
		if remember {
			d.do(chromedp.Click(chromedp.ID("remember")))
		}
		d.submit("sign-in", "/")
		d.wantText("#user", "Signed in as grace")
	}
	signIn(a, true)
	signIn(b, false)
	signIn(c, false)
	ca, cb := a.sessionCookie(), b.sessionCookie()
	if ca.Session || !cb.Session || ca.Value == cb.Value {
		t.Errorf("remembered device's cookie is a session cookie: %v; the other's: %v (want persistent, then session)", ca.Session, !cb.Session)
	}
	if left := time.Until(time.Unix(int64(ca.Expires), 0)); left < 7*24*time.Hour-time.Hour || left > 7*24*time.Hour+time.Hour {
		t.Errorf("the remembered cookie expires in %v, want a week (the shop's PersistIdleTimeout)", left)
	}

	a.open("/devices")
	if n := a.count("#devices tr.other"); n != 2 || !a.present("#current") {
		t.Fatalf("the devices page lists %d other devices (current marked: %v), want 2", n, a.present("#current"))
	}
	a.wantText("#current", "Chrome on Linux")
	a.screenshot("devices-" + t.Name())
	a.submit("devices tr.other button.revoke", "/devices") // the first other device
	a.wantText("#notice", "Signed out 1 other device.")
	if n := a.count("#devices tr.other"); n != 1 {
		t.Errorf("after signing out one device, %d others are listed, want 1", n)
	}
	// Which one went is the one whose next page shows it signed out.
	signedOut := func(d *browser) bool {
		d.open("/")
		return d.present("#login-link") && !d.present("#user")
	}
	if out := []bool{signedOut(b), signedOut(c)}; out[0] == out[1] {
		t.Fatalf("signed out: device B %v, device C %v; want exactly one", out[0], out[1])
	}
	a.open("/devices")
	a.submit("revoke-others", "/devices")
	a.wantText("#notice", "Signed out 1 other device.")
	if n := a.count("#devices tr.other"); n != 0 || !a.present("#current") {
		t.Errorf("after signing out all others, %d others are listed", n)
	}
	if !signedOut(b) || !signedOut(c) {
		t.Error("a device signed out from another still shows the user signed in")
	}
	a.open("/")
	a.wantText("#user", "Signed in as grace")
}

// setSessionEnv points config.Session at driver, clearing every other
// setting the environment might hold.
func setSessionEnv(t *testing.T, driver string) {
	for _, k := range []string{"SESSION_SECRET", "SESSION_PREVIOUS_SECRETS", "REDIS_URL", "REDIS_HOST", "REDIS_PORT",
		"REDIS_PASSWORD", "REDIS_DB", "SESSION_TIMEOUT", "SESSION_NAMESPACE"} {
		t.Setenv(k, "")
	}
	t.Setenv("SESSION_DRIVER", driver)
}

// scenario serves the shop with the configuration config.Session reads, and
// walks through it in a fresh headless Chromium that reaches the server
// under host. stored, if not nil, checks the server-side store against the
// browser's session cookie (nil: none) after each step that changes the
// session ID.
func scenario(t *testing.T, host string, stored func(*testing.T, *network.Cookie)) {
	cfg, err := config.Session()
	if err != nil {
		t.Fatal(err)
	}
	h, err := newServer(cfg, runtime.Options{}) // Secure cookie, as in production
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	b := startBrowser(t, "http://"+net.JoinHostPort(host, u.Port()))
	if stored == nil {
		stored = func(*testing.T, *network.Cookie) {}
	}

	// Add two items: each POST redirects to the product list, which shows
	// the flash notice once.
	b.open("/")
	if b.present("#notice") {
		t.Errorf("a fresh visit shows notice %q", b.text("#notice"))
	}
	b.submit("add-tea", "/")
	b.wantText("#notice", "Added Green tea")
	b.submit("add-coffee", "/")
	b.wantText("#notice", "Added Coffee beans")
	b.wantText("#cart-link", "Cart (2)")
	b.reload()
	b.wantAbsent("#notice", "after a reload, the flash notice is gone")

	// The session cookie: HttpOnly, SameSite=Lax, Secure (which Chromium
	// keeps over plain HTTP to localhost and 127.0.0.1), out of JavaScript's reach.
	c := b.sessionCookie()
	if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || !c.Secure || c.Path != "/" {
		t.Errorf("session cookie: HttpOnly=%v SameSite=%q Secure=%v Path=%q; want HttpOnly, SameSite=Lax, Secure, Path=/",
			c.HTTPOnly, c.SameSite, c.Secure, c.Path)
	}
	if js := b.eval(`document.cookie`); strings.Contains(js, "session=") || strings.Contains(js, c.Value) {
		t.Errorf("document.cookie = %q exposes the session cookie to JavaScript", js)
	}
	stored(t, c)

	// The cart persists across page loads.
	for range 2 {
		b.open("/cart")
		b.wantText("#cart", "Green tea")
		b.wantText("#cart", "Coffee beans")
		b.wantText("#total", "$17.40")
		b.open("/")
	}
	b.open("/cart")
	cartID := b.text("#cart-id")
	if cartID == "" {
		t.Error("the cart page shows no cart ID")
	}
	b.screenshot("cart-" + t.Name())

	// Sign in: a new session ID (a new cookie value), the cart kept.
	before := b.sessionCookie().Value
	b.open("/login")
	b.do(chromedp.SendKeys(chromedp.ID("user-name"), "ada"))
	b.submit("sign-in", "/")
	b.wantText("#notice", "Welcome, ada!")
	b.wantText("#user", "Signed in as ada")
	c = b.sessionCookie()
	if c.Value == before {
		t.Error("signing in kept the session cookie's value; Regenerate should change it")
	}
	stored(t, c)
	b.open("/cart")
	b.wantText("#cart", "Coffee beans")
	if got := b.text("#cart-id"); got != cartID {
		t.Errorf("after sign-in the cart ID is %q, want %q", got, cartID)
	}

	// Sign out: the session is emptied, the cart with it.
	before = c.Value
	b.submit("logout", "/")
	b.wantText("#notice", "You are signed out.")
	b.wantAbsent("#user", "after signing out, no user is shown")
	// Once the page has shown the notice, the session holds nothing, so
	// the cookie is deleted; at no point does the old value come back.
	if c = b.lookupCookie(); c != nil && c.Value == before {
		t.Error("signing out kept the session cookie's value; Invalidate should change it")
	}
	stored(t, c)
	b.open("/cart")
	b.wantText("#empty", "Your cart is empty.")
	b.wantText("#cart-link", "Cart (0)")

	// An invalid checkout: the errors and the input come back once.
	b.open("/")
	b.submit("add-mug", "/")
	b.open("/checkout")
	b.do(chromedp.SendKeys(chromedp.ID("email"), "ada-at-example"))
	b.submit("place-order", "/checkout")
	b.wantText("#errors", "Please enter your name.")
	b.wantText("#errors", "Please enter an email address such as ada@example.com.")
	if got := b.value("email"); got != "ada-at-example" {
		t.Errorf("after a rejected checkout the email field holds %q, want the old input %q", got, "ada-at-example")
	}
	b.reload()
	b.wantAbsent("#errors", "after a reload, the errors are gone")
	if got := b.value("email"); got != "" {
		t.Errorf("after a reload the email field holds %q, want it empty", got)
	}

	// A valid checkout empties the cart.
	b.do(chromedp.SendKeys(chromedp.ID("name"), "Ada"), chromedp.SendKeys(chromedp.ID("email"), "ada@example.com"))
	b.submit("place-order", "/")
	b.wantText("#notice", "Thank you, Ada! Your order is on its way.")
	b.wantText("#cart-link", "Cart (0)")
}

// browser is one headless Chromium with one tab, at a shop's base URL.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// startBrowser starts Chromium with a fresh profile; it is stopped when the
// test ends, or when scenarioTimeout runs out.
func startBrowser(t *testing.T, base string) *browser {
	t.Helper()
	out := new(syncBuffer) // Chromium's own output, logged when the test fails
	ctx, cancelTimeout := context.WithTimeout(context.Background(), scenarioTimeout)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 700),
		chromedp.CombinedOutput(out),
	)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		cancelTimeout()
		if t.Failed() {
			t.Logf("Chromium's output:\n%s", out.String())
		}
	})
	// The first Do starts the browser, which lives as long as ctx.
	start := time.Now()
	if err := chromedp.Do(tabCtx); err != nil {
		t.Fatalf("starting %s: %v", chromium, err)
	}
	t.Logf("Chromium started in %v", time.Since(start).Round(time.Millisecond))
	return &browser{t: t, ctx: tabCtx, base: base}
}

func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs actions, failing the test on an error.
func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// open loads the page at path and waits for it.
func (b *browser) open(path string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("GET %s: %v", path, err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("GET %s: status %d", path, resp.Status)
	}
}

// reload reloads the current page and waits for it.
func (b *browser) reload() {
	b.t.Helper()
	b.do(chromedp.Reload())
}

// newDevice returns another browser of the same Chromium with a browser
// context of its own: its own cookies, as another device would have.
func (b *browser) newDevice() *browser {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		b.t.Fatalf("opening a browser context: %v", err)
	}
	return &browser{t: b.t, ctx: ctx, base: b.base}
}

// count returns how many elements match the CSS selector.
func (b *browser) count(sel string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// submit clicks the button with the given id (or, when id has a space, the
// first element matching it as a CSS selector), which posts its form, and
// waits for the page the redirect leads to, which must be path.
func (b *browser) submit(id, path string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	click := chromedp.Click(chromedp.ID(id))
	if strings.Contains(id, " ") {
		click = chromedp.Click(chromedp.CSS("#" + id))
	}
	resp, err := chromedp.RunResponse(ctx, click)
	if err != nil {
		b.t.Fatalf("clicking #%s: %v", id, err)
	}
	if resp.Status != 200 || resp.URL != b.base+path {
		b.t.Fatalf("clicking #%s led to %s with status %d, want %s with 200", id, resp.URL, resp.Status, b.base+path)
	}
}

// present reports whether the page has an element matching the CSS selector.
func (b *browser) present(sel string) bool {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	return ok
}

// text returns the text of the first element matching the CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// value returns the value of the input with the given id.
func (b *browser) value(id string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID(id)))
	if err != nil {
		b.t.Fatalf("value of #%s: %v", id, err)
	}
	return s
}

// eval evaluates a JavaScript expression whose value is a string.
func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluating %s: %v", expr, err)
	}
	return s
}

// wantText fails the test unless the page has an element matching sel
// whose text contains want.
func (b *browser) wantText(sel, want string) {
	b.t.Helper()
	if !b.present(sel) {
		b.t.Errorf("page %s has no %s; want one saying %q", b.eval(`location.pathname`), sel, want)
		return
	}
	if got := b.text(sel); !strings.Contains(got, want) {
		b.t.Errorf("page %s: %s says %q, want %q in it", b.eval(`location.pathname`), sel, got, want)
	}
}

// wantAbsent fails the test with why when the page has an element matching sel.
func (b *browser) wantAbsent(sel, why string) {
	b.t.Helper()
	if b.present(sel) {
		b.t.Errorf("%s, but page %s shows %s: %q", why, b.eval(`location.pathname`), sel, b.text(sel))
	}
}

// sessionCookie returns the session cookie from the browser's own cookie
// store, as the DevTools protocol reports it, failing the test when there is
// none.
func (b *browser) sessionCookie() *network.Cookie {
	b.t.Helper()
	c := b.lookupCookie()
	if c == nil {
		b.t.Fatalf("the browser holds no session cookie for %s", b.base)
	}
	return c
}

// lookupCookie returns the session cookie from the browser's cookie store,
// or nil.
func (b *browser) lookupCookie() *network.Cookie {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	cookies, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
		return res.Cookies, err
	})
	if err != nil {
		b.t.Fatalf("reading the browser's cookies: %v", err)
	}
	for _, c := range cookies {
		if c.Name == "session" {
			return c
		}
	}
	return nil
}

// screenshot saves a full-page PNG screenshot as a test artifact: under
// $ARTIFACTS when that is set (the repository's /artifacts/ is ignored by
// git), else in the test's temporary directory. The path is logged.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	dir := os.Getenv("ARTIFACTS")
	if dir == "" {
		dir = b.t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, strings.NewReplacer("/", "-", " ", "_").Replace(name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot of the cart page: %s", path)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
