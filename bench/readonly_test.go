package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestReadOnlyWritesNothing serves read-only requests with each Redis case
// and checks, in the server's INFO commandstats, which commands they cost.
// sessgen must issue nothing but its one HGETALL per request; the peers'
// commands are logged for the README.
func TestReadOnlyWritesNothing(t *testing.T) {
	const requests = 20
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := c.fn(t, false)
			if s.probe == nil {
				t.Skip("no Redis")
			}
			before, err := commandStats(s.probe.addr)
			if err != nil {
				t.Fatal(err)
			}
			for range requests {
				r := httptest.NewRequest("GET", "/cart", nil)
				r.Header.Set("Cookie", s.cookie)
				w := httptest.NewRecorder()
				s.h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					t.Fatalf("status %d", w.Code)
				}
			}
			after, err := commandStats(s.probe.addr)
			if err != nil {
				t.Fatal(err)
			}
			d := delta(before, after)
			t.Logf("%d read-only requests: %v", requests, d)
			if c.name == "sessgen-redis" && (len(d) != 1 || d["hgetall"] != requests) {
				t.Errorf("sessgen read-only requests ran %v, want only %d HGETALL", d, requests)
			}
		})
	}
}
