package echosession_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/sessgen/sessgen/adapters/echosession"
	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/examples/cart"
	"github.com/sessgen/sessgen/runtime"
)

// An echo handler reads and writes the session through the accessors
// sessgen generated (here examples/cart's), from the request's context.
func ExampleMiddleware() {
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		panic(err)
	}
	e := echo.New()
	e.Use(echosession.Middleware(m))
	e.GET("/", func(c echo.Context) error {
		sess, err := cart.CartSessionFrom(c.Request().Context())
		if err != nil {
			runtime.ServeError(c.Response(), c.Request(), err)
			return nil
		}
		return c.String(200, fmt.Sprintf("visit %d", sess.IncrementVisits(1)))
	})

	var cookie string
	for range 3 {
		r := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if c := w.Result().Cookies(); len(c) > 0 {
			cookie = c[0].Name + "=" + c[0].Value
		}
		fmt.Println(w.Body.String())
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}
