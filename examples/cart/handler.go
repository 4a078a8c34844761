package cart

import (
	"fmt"
	"net/http"
	"time"

	"github.com/sessgen/sessgen/runtime"
)

// Handler serves a tiny cart: POST /add?sku=X adds an item, GET / lists
// the cart. Wrap it in a runtime.Manager's Middleware.
func Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add", func(w http.ResponseWriter, r *http.Request) {
		sess, err := CartSessionFrom(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		sku := r.FormValue("sku")
		sess.SetItems(append(sess.Items(), Item{SKU: sku, Quantity: 1}))
		sess.SetUpdated(time.Now())
		sess.FlashNotice("added " + sku)
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		sess, err := CartSessionFrom(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		visits := sess.IncrementVisits(1)
		if n, ok := sess.LookupNotice(); ok {
			fmt.Fprintln(w, n)
		}
		for _, it := range sess.Items() {
			fmt.Fprintf(w, "%s x%d\n", it.SKU, it.Quantity)
		}
		fmt.Fprintf(w, "visit %d\n", visits)
	})
	return mux
}
