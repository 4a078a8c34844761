package bench

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"github.com/vmihailenco/msgpack/v5"
)

// sealOverhead is what sessgen's cookie driver adds to the payload before
// base64: a version byte, the 12-byte nonce and the 16-byte GCM tag.
const sealOverhead = 1 + 12 + 16

// BenchmarkFloor measures the parts no session library can avoid, sized like
// sessgen's cookie for the benchmark session (rw=read does what a read-only
// request needs, rw=write what a request that saves needs):
//
//   - http: net/http and httptest alone, a handler that reads a cookie of the
//     same size and (write) sets it again with the same attributes;
//   - aes-gcm: AES-256-GCM open and (write) a fresh nonce and seal of the
//     same payload;
//   - base64: decode and (write) encode the sealed bytes;
//   - msgpack: decode the int64 and the string and (write) encode the list,
//     with vmihailenco/msgpack as sessgen uses it;
//   - redis: one go-redis round trip, HGETALL of the same hash and (write)
//     the same HSET and PEXPIRE pipelined with it.
func BenchmarkFloor(b *testing.B) {
	floors := []struct {
		name string
		fn   func(b *testing.B, write bool)
	}{
		{"http", floorHTTP},
		{"aes-gcm", floorAESGCM},
		{"base64", floorBase64},
		{"msgpack", floorMsgpack},
		{"redis", floorRedis},
	}
	for _, f := range floors {
		for _, write := range []bool{true, false} {
			b.Run("floor="+f.name+"/rw="+rw(write), func(b *testing.B) { f.fn(b, write) })
		}
	}
}

func floorHTTP(b *testing.B, write bool) {
	header := cookieName + "=" + strings.Repeat("A", sessgenCookieSize(b)-len(cookieName)-1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err != nil {
			b.Fatal(err)
		}
		if write {
			http.SetCookie(w, &http.Cookie{Name: c.Name, Value: c.Value, Path: "/",
				HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		}
	})
	run(b, setup{h: h, cookie: header}, write)
}

// payloadSize is the length of the plaintext sealed in sessgen's cookie for
// the benchmark session.
func payloadSize(b testing.TB) int {
	return base64.RawURLEncoding.DecodedLen(sessgenCookieSize(b)-len(cookieName)-1) - sealOverhead
}

func floorAESGCM(b *testing.B, write bool) {
	block, err := aes.NewCipher(key(32))
	if err != nil {
		b.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		b.Fatal(err)
	}
	ad := []byte(cookieName)
	plain := key(payloadSize(b))
	nonce := key(gcm.NonceSize())
	sealed := gcm.Seal(nil, nonce, plain, ad)
	out := make([]byte, 0, len(plain))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gcm.Open(out[:0], nonce, sealed, ad); err != nil {
			b.Fatal(err)
		}
		if write { // what the next request opens
			rand.Read(nonce)
			sealed = gcm.Seal(sealed[:0], nonce, plain, ad)
		}
	}
}

func floorBase64(b *testing.B, write bool) {
	enc := base64.RawURLEncoding
	value := []byte(strings.Repeat("A", sessgenCookieSize(b)-len(cookieName)-1))
	raw := make([]byte, enc.DecodedLen(len(value)))
	out := make([]byte, 0, len(value))
	b.ReportAllocs()
	for b.Loop() {
		n, err := enc.Decode(raw, value)
		if err != nil {
			b.Fatal(err)
		}
		if write {
			out = enc.AppendEncode(out[:0], raw[:n])
		}
	}
}

// msgpackValues returns the msgpack encodings of the cart ID and the user
// name.
func msgpackValues(b testing.TB) (id, name []byte) {
	id, err := msgpack.Marshal(cartID)
	if err != nil {
		b.Fatal(err)
	}
	name, err = msgpack.Marshal(userName)
	if err != nil {
		b.Fatal(err)
	}
	return id, name
}

func floorMsgpack(b *testing.B, write bool) {
	idBytes, nameBytes := msgpackValues(b)
	var (
		out bytes.Buffer
		in  bytes.Reader
	)
	enc := msgpack.NewEncoder(&out)
	dec := msgpack.NewDecoder(&in)
	b.ReportAllocs()
	for b.Loop() {
		in.Reset(idBytes)
		dec.Reset(&in)
		id, err := dec.DecodeInt64()
		if err != nil {
			b.Fatal(err)
		}
		in.Reset(nameBytes)
		dec.Reset(&in)
		name, err := dec.DecodeString()
		if err != nil {
			b.Fatal(err)
		}
		check(b, id, name)
		if write {
			out.Reset()
			if err := enc.Encode(items); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func floorRedis(b *testing.B, write bool) {
	p := newProbe(b)
	c := p.goRedis(b)
	ctx := context.Background()
	idBytes, nameBytes := msgpackValues(b)
	itemsBytes, err := msgpack.Marshal(items)
	if err != nil {
		b.Fatal(err)
	}
	k := fmt.Sprintf("floor:%x", key(8))
	if err := c.HSet(ctx, k, "c", "1", "a", "1", "d:cart_id", idBytes, "d:user", nameBytes, "d:items", itemsBytes).Err(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Del(context.Background(), k) })
	before := p.snapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		if !write {
			if err := c.HGetAll(ctx, k).Err(); err != nil {
				b.Fatal(err)
			}
			continue
		}
		_, err := c.Pipelined(ctx, func(pl goredis.Pipeliner) error {
			pl.HGetAll(ctx, k)
			pl.HSet(ctx, k, "a", "2", "d:items", itemsBytes)
			pl.PExpire(ctx, k, 3600000)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	p.report(b, before, p.snapshot(b))
}
