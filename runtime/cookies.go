package runtime

import (
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// maxCookie is the largest name=value a browser is guaranteed to keep
// (RFC 6265 section 6.1).
const maxCookie = 4096

// unixEpoch is the Expires of a cookie being removed.
const unixEpoch = "Thu, 01 Jan 1970 00:00:00 GMT"

// addCookie adds Set-Cookie for token ("" removes the cookie), persistent
// until expires if persist is set, and the Cache-Control that keeps shared
// caches from storing it. (Vary: Cookie is added by commit.) Max-Age and
// Expires go together, for clients that know only Expires; Max-Age rounds
// up, so a cookie never ends before its session.
func (m *Manager) addCookie(h http.Header, token string, persist bool, now, expires time.Time) {
	var b strings.Builder
	b.Grow(len(m.prefix) + len(token) + len(m.suffix) + 56)
	b.WriteString(m.prefix)
	b.WriteString(token)
	switch {
	case token == "":
		b.WriteString("; Max-Age=0; Expires=" + unixEpoch)
	case persist:
		secs := (expires.Sub(now) + time.Second - 1) / time.Second
		var buf [48]byte
		b.WriteString("; Max-Age=")
		b.Write(strconv.AppendInt(buf[:0], int64(max(secs, 1)), 10))
		b.WriteString("; Expires=")
		b.Write(now.Add(max(secs, 1)*time.Second).UTC().AppendFormat(buf[:0], http.TimeFormat))
	}
	b.WriteString(m.suffix)
	h["Set-Cookie"] = append(h["Set-Cookie"], b.String())
	h["Cache-Control"] = append(h["Cache-Control"], `no-cache="Set-Cookie"`)
}

// cookieValues stores the non-empty values of the cookies called name into
// dst, in the order the browser sent them, and returns how many it stored
// (at most len(dst)). It does not allocate.
func cookieValues(h http.Header, name string, dst []string) int {
	n := 0
	for _, line := range h["Cookie"] {
		for line != "" && n < len(dst) {
			var part string
			part, line, _ = strings.Cut(line, ";")
			k, v, ok := strings.Cut(textproto.TrimString(part), "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			if v != "" {
				dst[n] = v
				n++
			}
		}
	}
	return n
}
