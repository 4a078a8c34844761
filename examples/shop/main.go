// Command shop is sessgen's example web shop: a product list, a cart kept in
// the session, sign-in and sign-out, and a checkout form whose errors come
// back once as flash values. Run it from the repository root with
//
//	go run ./examples/shop
//
// and open the URL it prints. It listens on 127.0.0.1:8080; -addr sets
// another address and PORT another port. Sessions use the driver that
// config.Session reads from the environment: the cookie driver by default,
// Redis with SESSION_DRIVER=redis (and REDIS_URL or REDIS_HOST, REDIS_PORT,
// REDIS_PASSWORD, REDIS_DB). Without SESSION_SECRET the cookie driver seals
// cookies with a random secret made at start-up, so sessions end when the
// server stops.
//
// The session cookie is Secure. Chromium (as the browser test checks) and
// Go's cookie jar count http://localhost and http://127.0.0.1 as secure
// origins and keep Secure cookies there, so no flag is needed for local use.
// Over plain HTTP to any other host the browser drops a Secure cookie;
// -insecure leaves the attribute out for that case.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessgen/sessgen/examples/shop/config"
	"github.com/sessgen/sessgen/runtime"
)

func main() {
	addr := flag.String("addr", "", "listen `address` (default 127.0.0.1:8080, or 127.0.0.1:$PORT)")
	insecure := flag.Bool("insecure", false, "leave out the cookie's Secure attribute, for plain HTTP to a host other than localhost")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, listenAddr(*addr, os.Getenv("PORT")), *insecure, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "shop:", err)
		os.Exit(1)
	}
}

// listenAddr picks the listen address: the -addr flag, else PORT on the
// loopback interface, else 127.0.0.1:8080.
func listenAddr(flagAddr, port string) string {
	switch {
	case flagAddr != "":
		return flagAddr
	case port != "":
		return net.JoinHostPort("127.0.0.1", port)
	}
	return "127.0.0.1:8080"
}

// run serves the shop on addr until ctx is done, writing start-up notes to
// out.
func run(ctx context.Context, addr string, insecure bool, out io.Writer) error {
	cfg, err := config.Session()
	if err != nil {
		return err
	}
	if cfg.Default == "cookie" && cfg.Cookie.Secret == "" {
		cfg.Cookie.Secret = rand.Text() + rand.Text() // 52 characters, 260 random bits
		fmt.Fprintln(out, "shop: SESSION_SECRET is not set: using a random secret for this run only, so sessions end when the server stops.")
		fmt.Fprintln(out, "shop: to keep them, set SESSION_SECRET to 32 or more random bytes, e.g. SESSION_SECRET=$(openssl rand -base64 48)")
	}
	h, err := newServer(cfg, runtime.Options{Insecure: insecure})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	tcp := ln.Addr().(*net.TCPAddr)
	host := tcp.IP.String()
	if tcp.IP.IsUnspecified() {
		host = "localhost"
	}
	if !insecure && !tcp.IP.IsLoopback() {
		fmt.Fprintln(out, "shop: note: browsers keep the Secure session cookie only over HTTPS or on localhost; put HTTPS in front, or use -insecure on a trusted network")
	}
	fmt.Fprintf(out, "shop: %s sessions; open http://%s\n", cfg.Default, net.JoinHostPort(host, fmt.Sprint(tcp.Port)))

	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
