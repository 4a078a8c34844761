package runtime_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/sessgen/sessgen/drivers/memory"
	"github.com/sessgen/sessgen/runtime"
)

// The middleware loads the session on first use and saves it as the
// response is committed. Generated accessors wrap calls like these.
func ExampleManager_Middleware() {
	m, err := runtime.NewManager(memory.New(), runtime.Options{})
	if err != nil {
		panic(err)
	}
	visits := runtime.Signed[int64]{}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, err := runtime.From(r.Context())
		if err != nil {
			runtime.ServeError(w, r, err)
			return
		}
		fmt.Fprintf(w, "visit %d", runtime.Add(s, "visits", 1, visits))
	}))

	var cookie string
	for range 3 {
		r := httptest.NewRequest("GET", "/", nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
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

// A flash is readable in the request that sets it and in the next one.
func ExampleFlash() {
	s := runtime.NewSession()
	runtime.Flash(s, "notice", "Saved", runtime.String[string]{})
	v, ok := runtime.LookupFlash(s, "notice", runtime.String[string]{})
	fmt.Println(v, ok)
	// Output: Saved true
}
