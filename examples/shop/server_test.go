package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessgen/sessgen/drivers"
	"github.com/sessgen/sessgen/runtime"
)

// newTestServer serves the shop with the cookie driver and returns a client
// with a cookie jar (Go's jar, like browsers, sends Secure cookies to
// 127.0.0.1 over plain HTTP) that does not follow redirects.
func newTestServer(t *testing.T) (*httptest.Server, *http.Client) {
	t.Helper()
	h, err := newServer(drivers.Config{Cookie: drivers.CookieConfig{Secret: strings.Repeat("s", 32)}}, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return srv, c
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestCrossSiteFormIsRefused(t *testing.T) {
	srv, c := newTestServer(t)
	add := url.Values{"sku": {"tea"}}
	code, _ := do(t, c, "POST", srv.URL+"/cart/add", add, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if code != http.StatusForbidden {
		t.Errorf("cross-site POST /cart/add: status %d, want 403", code)
	}
	code, _ = do(t, c, "POST", srv.URL+"/cart/add", add, http.Header{"Origin": {"https://evil.example"}})
	if code != http.StatusForbidden {
		t.Errorf("POST /cart/add from another Origin: status %d, want 403", code)
	}
	if _, body := do(t, c, "GET", srv.URL+"/cart", nil, nil); !strings.Contains(body, "Your cart is empty.") {
		t.Error("a refused cross-site POST changed the cart")
	}
	code, _ = do(t, c, "POST", srv.URL+"/cart/add", add, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if code != http.StatusSeeOther {
		t.Errorf("same-origin POST /cart/add: status %d, want 303", code)
	}
}

func TestUnknownProduct(t *testing.T) {
	srv, c := newTestServer(t)
	code, _ := do(t, c, "POST", srv.URL+"/cart/add", url.Values{"sku": {"caviar"}}, nil)
	if code != http.StatusBadRequest {
		t.Errorf("POST /cart/add?sku=caviar: status %d, want 400", code)
	}
}

// TestLongInputIsClipped: what a form flashes back is cut to maxInput bytes,
// so a huge field cannot push the session cookie past what browsers keep.
func TestLongInputIsClipped(t *testing.T) {
	srv, c := newTestServer(t)
	long := strings.Repeat("é", 5000)
	code, _ := do(t, c, "POST", srv.URL+"/checkout", url.Values{"name": {long}, "email": {long}}, nil)
	if code != http.StatusSeeOther {
		t.Fatalf("POST /checkout with long input: status %d, want 303", code)
	}
	_, body := do(t, c, "GET", srv.URL+"/checkout", nil, nil)
	if want := `value="` + strings.Repeat("é", maxInput/2) + `"`; !strings.Contains(body, want) {
		t.Errorf("the checkout form does not show the clipped name (%d bytes)", maxInput)
	}
}

func TestListenAddr(t *testing.T) {
	for _, tc := range []struct{ flag, port, want string }{
		{"", "", "127.0.0.1:8080"},
		{"", "9000", "127.0.0.1:9000"},
		{":7000", "9000", ":7000"},
	} {
		if got := listenAddr(tc.flag, tc.port); got != tc.want {
			t.Errorf("listenAddr(%q, %q) = %q, want %q", tc.flag, tc.port, got, tc.want)
		}
	}
}

// lockedBuffer collects run's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRun starts the program as `go run ./examples/shop` does, with no
// session settings in the environment: it must say that its secret is
// ephemeral, print its URL, serve there, and stop when asked.
func TestRun(t *testing.T) {
	setSessionEnv(t, "")
	var out lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, "127.0.0.1:0", false, &out) }()

	urlRE := regexp.MustCompile(`open (http://127\.0\.0\.1:\d+)\n`)
	var base string
	for deadline := time.Now().Add(5 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("run printed no URL; output:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "SESSION_SECRET is not set") || !strings.Contains(out.String(), "cookie sessions") {
		t.Errorf("run's start-up notes do not mention the ephemeral secret and the cookie driver:\n%s", out.String())
	}
	resp, err := http.Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /: status %d", resp.StatusCode)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context was canceled")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	setSessionEnv(t, "postgres")
	if err := run(context.Background(), "127.0.0.1:0", false, io.Discard); err == nil || !strings.Contains(err.Error(), "postgres") {
		t.Errorf("run with SESSION_DRIVER=postgres: error %v, want one naming the unknown driver", err)
	}
	setSessionEnv(t, "cookie")
	t.Setenv("SESSION_SECRET", "short")
	if err := run(context.Background(), "127.0.0.1:0", false, io.Discard); err == nil {
		t.Error("run with a 5-byte SESSION_SECRET: no error")
	}
}

// TestDevicesNeedAServerSideStore: with the cookie driver the devices page
// says why it cannot list sessions, instead of failing.
func TestDevicesNeedAServerSideStore(t *testing.T) {
	srv, c := newTestServer(t)
	if code, _ := do(t, c, "POST", srv.URL+"/login", url.Values{"user": {"ada"}}, http.Header{"Origin": {srv.URL}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	code, body := do(t, c, "GET", srv.URL+"/devices", nil, nil)
	if code != http.StatusOK || !strings.Contains(body, `id="unsupported"`) {
		t.Errorf("devices page on the cookie driver: %d\n%s", code, body)
	}
}

func TestDeviceLabel(t *testing.T) {
	for ua, want := range map[string]string{
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                    "Firefox on Linux",
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/604.1": "Safari on iOS",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0":     "Edge on Windows",
		"": "A browser on an unknown system",
	} {
		if got := deviceLabel(ua); got != want {
			t.Errorf("deviceLabel(%.40q) = %q, want %q", ua, got, want)
		}
	}
}
