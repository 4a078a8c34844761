package gen

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// A sessionTag is what a field's struct tag says about its session value.
type sessionTag struct {
	value  string   // the session tag's value, as written
	tagged bool     // the struct tag has a session key
	skip   bool     // session:"-"
	key    string   // the session key, the field's default key when the tag names none
	flash  bool     // the flash option
	was    []string // the old keys of was= options, in order

	malformed string   // why the struct tag cannot be read, or ""
	probs     []string // what else is wrong with the tag
}

// parseTag reads the session tag in the struct tag of the field called
// name.
func parseTag(structTag, name string) sessionTag {
	if msg := tagProblem(structTag); msg != "" {
		return sessionTag{malformed: msg}
	}
	var t sessionTag
	t.value, t.tagged = reflect.StructTag(structTag).Lookup("session")
	if t.value == "-" {
		t.skip = true
		return t
	}
	key, opts, hasOpts := strings.Cut(t.value, ",")
	if key == "" {
		key = snakeCase(name)
	}
	t.key = key
	if !hasOpts {
		return t
	}
	for o := range strings.SplitSeq(opts, ",") {
		switch o {
		case "flash":
			if t.flash {
				t.probs = append(t.probs, fmt.Sprintf("the option flash appears more than once in tag session:%q; write it once, as in session:\"%s,flash\"", t.value, key))
			}
			t.flash = true
		case "":
			t.probs = append(t.probs, fmt.Sprintf("tag session:%q has an empty option; remove the extra comma (session:\"%s\" or session:\"%s,flash\")", t.value, key, key))
		default:
			old, ok := strings.CutPrefix(o, "was=")
			switch {
			case !ok:
				t.probs = append(t.probs, fmt.Sprintf("unknown option %q in tag session:%q; the options are flash and was=old_key, "+
					"as in session:\"%s,flash\" or session:\"%s,was=old_%s\"", o, t.value, key, key, key))
			case keyProblem(old) != "":
				t.probs = append(t.probs, fmt.Sprintf("the old key in %s: %s", o, keyProblem(old)))
			case old == key:
				t.probs = append(t.probs, fmt.Sprintf("%s names the field's own key; an old key is the one the field had before, remove this option", o))
			case slices.Contains(t.was, old):
				t.probs = append(t.probs, fmt.Sprintf("the option %s appears more than once in tag session:%q; write it once", o, t.value))
			default:
				t.was = append(t.was, old)
			}
		}
	}
	return t
}

// tagProblem says what is wrong with a struct tag that mentions session
// but that reflect.StructTag cannot read as intended, or returns "".
func tagProblem(tag string) string {
	if !strings.Contains(tag, "session") {
		return ""
	}
	why, n := tagSyntax(tag)
	if why != "" {
		return fmt.Sprintf("struct tag %s is malformed (%s), so the session key in it would be ignored; "+
			"write key:\"value\" pairs separated by single spaces, as in session:\"key\"", strconv.Quote(tag), why)
	}
	if n > 1 {
		return fmt.Sprintf("struct tag %s has more than one session key; keep one", strconv.Quote(tag))
	}
	return ""
}

// tagSyntax checks tag as go vet's structtag check does: conventional
// key:"value" pairs separated by spaces. It returns what is wrong, or "",
// and how many session keys the tag has.
func tagSyntax(tag string) (why string, sessionKeys int) {
	for tag != "" {
		i := 0
		for i < len(tag) && tag[i] == ' ' {
			i++
		}
		tag = tag[i:]
		if tag == "" {
			break
		}
		i = 0
		for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' && tag[i] != 0x7f {
			i++
		}
		if i == 0 {
			return "a key is missing", 0
		}
		if i+1 >= len(tag) || tag[i] != ':' {
			return "a key is not followed by a colon and a value", 0
		}
		if tag[i+1] != '"' {
			return fmt.Sprintf("the value of %s does not start right after the colon with a double quote", tag[:i]), 0
		}
		key := tag[:i]
		if key == "session" {
			sessionKeys++
		}
		tag = tag[i+1:]
		i = 1
		for i < len(tag) && tag[i] != '"' {
			if tag[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(tag) {
			return fmt.Sprintf("the value of %s has no closing quote", key), 0
		}
		if _, err := strconv.Unquote(tag[:i+1]); err != nil {
			return fmt.Sprintf("the value of %s is not a valid quoted string", key), 0
		}
		tag = tag[i+1:]
		if tag != "" && tag[0] != ' ' {
			return "the key:\"value\" pairs are not separated by spaces", 0
		}
	}
	return "", sessionKeys
}

// maxKeyLen is the longest session key accepted, in bytes.
const maxKeyLen = 128

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
