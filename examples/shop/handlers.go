package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/sessgen/sessgen/runtime"
)

// maxInput is how many bytes of a form field the shop keeps; longer input is
// cut, so that a session cookie never grows past what browsers store.
const maxInput = 100

// products serves GET /: the product list.
func (s *shop) products(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	s.render(w, r, sess, "products", view{Title: "Products", Products: catalog})
}

// addToCart serves POST /cart/add: one more of a product in the cart, then
// back to the product list, which says "Added <product>" once.
func (s *shop) addToCart(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	p, ok := productBySKU(r.PostFormValue("sku"))
	if !ok {
		http.Error(w, "no such product", http.StatusBadRequest)
		return
	}
	if !sess.HasCartID() {
		sess.SetCartID(rand.Text())
	}
	sess.SetItems(addItem(sess.Items(), p.SKU))
	sess.FlashNotice("Added " + p.Name)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// cartPage serves a page listing the cart: GET /cart, and GET /checkout,
// the order form, which also shows the errors and the input of a rejected
// attempt when there was one.
func (s *shop) cartPage(page, title string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := ShopSessionFrom(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		ls, total := lines(sess.Items())
		s.render(w, r, sess, page, view{Title: title, Lines: ls, Total: money(total)})
	}
}

// checkout serves POST /checkout. Invalid input goes back to the form as
// flash values, the errors and what was typed, shown on the next page only.
func (s *shop) checkout(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	in := Checkout{
		Name:  clip(strings.TrimSpace(r.PostFormValue("name"))),
		Email: clip(strings.TrimSpace(r.PostFormValue("email"))),
	}
	if errs := validate(in, sess.Items()); len(errs) > 0 {
		sess.FlashErrors(errs)
		sess.FlashOld(in)
		http.Redirect(w, r, "/checkout", http.StatusSeeOther)
		return
	}
	sess.DeleteItems()
	sess.DeleteCartID()
	sess.FlashNotice(fmt.Sprintf("Thank you, %s! Your order is on its way.", in.Name))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// validate returns what is wrong with a checkout, in form order.
func validate(in Checkout, items []Item) []string {
	var errs []string
	if in.Name == "" {
		errs = append(errs, "Please enter your name.")
	}
	if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
		errs = append(errs, "Please enter an email address such as ada@example.com.")
	}
	if ls, _ := lines(items); len(ls) == 0 {
		errs = append(errs, "Your cart is empty.")
	}
	return errs
}

// loginForm serves GET /login.
func (s *shop) loginForm(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	s.render(w, r, sess, "login", view{Title: "Sign in"})
}

// login serves POST /login. This demo takes any name and no password. The
// session gets a new ID on sign-in (the old one is destroyed), so an ID
// planted before sign-in is worth nothing after it; the cart is kept. The
// session is bound to the user, so that it is listed on their devices page,
// with a label for the browser; "remember me" makes its cookie outlive the
// browser session.
func (s *shop) login(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	user := clip(strings.TrimSpace(r.PostFormValue("user")))
	if user == "" {
		sess.FlashErrors([]string{"Please enter a name to sign in with."})
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	sess.Regenerate()
	sess.SetUser(user)
	sess.SetOwner(user)
	sess.Raw().SetDevice(deviceLabel(r.UserAgent()))
	sess.Raw().SetPersist(r.PostFormValue("remember") == "on")
	sess.FlashNotice("Welcome, " + user + "!")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logout serves POST /logout: everything in the session goes, cart
// included, and the session gets a new ID.
func (s *shop) logout(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	sess.Invalidate()
	sess.FlashNotice("You are signed out.")
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// clip cuts s to at most maxInput bytes, dropping a character split by the
// cut.
func clip(s string) string {
	if len(s) <= maxInput {
		return s
	}
	return strings.ToValidUTF8(s[:maxInput], "")
}

// devices serves GET /devices: the signed-in user's sessions, one per
// device, the current one marked, each other one with a button that signs
// it out.
func (s *shop) devices(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	if !sess.HasUser() {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	list, err := s.sessions.Sessions(r.Context(), sess.User())
	v := view{Title: "Your devices", Devices: list}
	if errors.Is(err, errors.ErrUnsupported) {
		v.Unsupported = true // the cookie driver keeps no list of sessions
	} else if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	s.render(w, r, sess, "devices", v)
}

// revoke serves POST /devices/revoke: it signs out the device whose
// session handle the form names, or with others=1 every device but this
// one.
func (s *shop) revoke(w http.ResponseWriter, r *http.Request) {
	sess, err := ShopSessionFrom(r.Context())
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	if !sess.HasUser() {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	var n int
	if r.PostFormValue("others") == "1" {
		n, err = s.sessions.RevokeOthers(r.Context())
	} else {
		n, err = s.sessions.Revoke(r.Context(), sess.User(), r.PostFormValue("handle"))
	}
	if err != nil {
		runtime.ServeError(w, r, err)
		return
	}
	sess.FlashNotice(fmt.Sprintf("Signed out %d other %s.", n, map[bool]string{true: "device", false: "devices"}[n == 1]))
	http.Redirect(w, r, "/devices", http.StatusSeeOther)
}

// deviceLabel names the browser and system a User-Agent header describes,
// roughly: "Firefox on Linux".
func deviceLabel(ua string) string {
	browser, system := "A browser", "an unknown system"
	for _, b := range [][2]string{{"Edg/", "Edge"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}} {
		if strings.Contains(ua, b[0]) {
			browser = b[1]
			break
		}
	}
	for _, o := range [][2]string{{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"Linux", "Linux"}} {
		if strings.Contains(ua, o[0]) {
			system = o[1]
			break
		}
	}
	return browser + " on " + system
}
