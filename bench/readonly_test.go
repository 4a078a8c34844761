package bench

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRedisCommands serves requests with each Redis case, read-only and
// writing, and reads from the server's INFO commandstats which commands they
// cost. A read-only sessgen request must run nothing but its one HGETALL; a
// writing one must write (HSET) in at most two round trips. The peers'
// commands are only logged, for the README.
func TestRedisCommands(t *testing.T) {
	const requests = 20
	for _, c := range cases {
		if !c.redis {
			continue
		}
		for _, write := range []bool{false, true} {
			t.Run(c.name+"/"+rw(write), func(t *testing.T) {
				s := c.fn(t, write)
				before := s.probe.snapshot(t)
				for range requests {
					r := httptest.NewRequest("GET", "/cart", nil)
					r.Header.Set("Cookie", s.cookie)
					w := httptest.NewRecorder()
					s.h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						t.Fatalf("status %d", w.Code)
					}
				}
				after := s.probe.snapshot(t)
				d := delta(before.srvCmds, after.srvCmds)
				cmds, trips := after.cmds-before.cmds, after.trips-before.trips
				t.Logf("%d requests: %d commands sent in %d round trips; server ran %v", requests, cmds, trips, d)
				if c.name != "sessgen-redis" {
					return
				}
				switch {
				case !write && (len(d) != 1 || d["hgetall"] != requests || trips != requests):
					t.Errorf("read-only requests ran %v in %d round trips, want only %d HGETALL", d, trips, requests)
				case write && (d["hset"] != requests || trips > 2*requests):
					t.Errorf("writing requests ran %v in %d round trips, want %d HSET in at most %d", d, trips, requests, 2*requests)
				}
			})
		}
	}
}
