package gen

import (
	"strconv"
	"strings"
	"testing"
)

func TestTagLiteral(t *testing.T) {
	for tag, raw := range map[string]bool{
		`session:"a"`: true, "session:\"a\" note:\"x\ty\"": true, `session:"ü"`: true,
		"session:\"a\x00\"": false, "session:\"\xff\"": false, "note:\"`\"": false, "a\rb": false,
		"a\nb": false, "\ufeff": false, "a\x7fb": false,
	} {
		lit := tagLiteral(tag)
		if got := strings.HasPrefix(lit, "`"); got != raw {
			t.Errorf("tagLiteral(%q) = %s, want raw=%v", tag, lit, raw)
		}
		if !raw {
			if back, err := strconv.Unquote(lit); err != nil || back != tag {
				t.Errorf("tagLiteral(%q) = %s, which unquotes to %q, %v", tag, lit, back, err)
			}
		}
	}
}
