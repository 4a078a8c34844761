package cookie_test

import (
	"bytes"
	"testing"

	"github.com/sessgen/sessgen/drivers/cookie"
	"github.com/sessgen/sessgen/internal/sessiontest"
	"github.com/sessgen/sessgen/runtime"
)

var (
	secret1 = bytes.Repeat([]byte("k1"), 16)
	secret2 = bytes.Repeat([]byte("k2"), 16)
)

func newDriver(t testing.TB, secret []byte, previous ...[]byte) *cookie.Driver {
	t.Helper()
	d, err := cookie.New(secret, previous...)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T) runtime.Driver { return newDriver(t, secret1) })
}
