package main

import (
	"bytes"
	"cmp"
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/sessgen/sessgen/drivers"
	"github.com/sessgen/sessgen/runtime"
)

//go:embed templates/*.html
var templateFS embed.FS

// shop holds what the handlers share: the parsed page templates and the
// session manager, which lists and signs out a user's devices.
type shop struct {
	pages    map[string]*template.Template
	sessions *runtime.Manager
}

// newServer returns the shop's HTTP handler: its routes behind the session
// middleware of the driver cfg selects, behind cross-origin protection.
func newServer(cfg drivers.Config, opts runtime.Options) (http.Handler, error) {
	s := &shop{pages: make(map[string]*template.Template)}
	for _, name := range []string{"products", "cart", "checkout", "login", "devices"} {
		t, err := template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("shop: %w", err)
		}
		s.pages[name] = t
	}

	// cfg is config.Session(): the cookie driver unless SESSION_DRIVER
	// names another. "Remember me" keeps a visitor signed in for a month
	// of visits at most a week apart.
	opts.PersistIdleTimeout = cmp.Or(opts.PersistIdleTimeout, 7*24*time.Hour)
	opts.PersistLifetime = cmp.Or(opts.PersistLifetime, 30*24*time.Hour)
	sessions, err := drivers.NewManager(cfg, opts)
	if err != nil {
		return nil, err
	}
	s.sessions = sessions

	// Two tabs adding to the cart at once must not lose an item: on a
	// server-side store, those requests run one at a time. (A cookie
	// session cannot be locked: each request carries its own copy.)
	var addToCart http.Handler = http.HandlerFunc(s.addToCart)
	if cfg.Default == "redis" || cfg.Default == "memory" {
		addToCart = sessions.Exclusive(addToCart)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.products)
	mux.Handle("POST /cart/add", addToCart)
	mux.HandleFunc("GET /cart", s.cartPage("cart", "Your cart"))
	mux.HandleFunc("GET /checkout", s.cartPage("checkout", "Check out"))
	mux.HandleFunc("POST /checkout", s.checkout)
	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /devices", s.devices)
	mux.HandleFunc("POST /devices/revoke", s.revoke)

	// Every route gets a session; a cross-site form post is refused with
	// 403 Forbidden before it reaches one.
	return http.NewCrossOriginProtection().Handler(sessions.Middleware(mux)), nil
}

// view is what the page templates see.
type view struct {
	Title    string
	Session  Shop // every session value, flash values included
	Count    int  // how many things are in the cart
	Products []Product
	Lines    []Line
	Total    string

	Devices     []runtime.SessionInfo // the user's sessions, on the devices page
	Unsupported bool                  // the driver keeps no list of sessions
}

// render executes the named page into a buffer and writes it, so that a
// template error becomes a clean 500 rather than half a page.
func (s *shop) render(w http.ResponseWriter, r *http.Request, sess ShopSession, name string, v view) {
	v.Session = sess.All()
	for _, it := range v.Session.Items {
		v.Count += it.Quantity
	}
	var buf bytes.Buffer
	if err := s.pages[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		slog.ErrorContext(r.Context(), "shop: rendering page", "page", name, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(buf.Bytes())
}
