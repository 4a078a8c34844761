package gen

import (
	"fmt"
	"strings"
	"unicode"
)

// maxKeyLen is the longest session key accepted, in bytes.
const maxKeyLen = 128

// snakeCase returns the default key of a field: CartID → cart_id,
// HTTPServer → http_server, Item2Name → item2_name, and an initialism's
// plural stays one word: UserIDs → user_ids, URLs → urls.
func snakeCase(name string) string {
	rs := []rune(name)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1]) && !pluralS(rs, i+1)
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// pluralS reports whether rs[i] is the lowercase s that makes the
// initialism before it plural (IDs, URLs): an s that ends the word.
func pluralS(rs []rune, i int) bool {
	return rs[i] == 's' && (i+1 == len(rs) || unicode.IsUpper(rs[i+1]) || unicode.IsDigit(rs[i+1]) || rs[i+1] == '_')
}

// keyProblem says what is wrong with a session key, or "" when it is fine.
func keyProblem(key string) string {
	if key == "" {
		return "the session key is empty"
	}
	if len(key) > maxKeyLen {
		return fmt.Sprintf("session key %q is %d bytes long; keys are at most %d bytes: choose a shorter key in the session tag",
			key[:20]+"...", len(key), maxKeyLen)
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
			return fmt.Sprintf("session key %q contains %q; keys may contain only letters, digits, '_', '.' and '-': change the session tag",
				key, r)
		}
	}
	return ""
}
