package gen

import (
	"strings"
	"testing"
)

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"CartID": "cart_id", "HTTPServer": "http_server", "ID": "id", "Items": "items",
		"UserIDs": "user_ids", "IDs": "ids", "URLs": "urls", "CPUsUsed": "cpus_used", "IDsV2": "ids_v2",
		"AStruct": "a_struct", "Is": "is", "HTTPSServer": "https_server", "MyIDsList": "my_ids_list", "Aliases": "aliases", "Item2Name": "item2_name", "X": "x", "already_snake": "already_snake",
		"URLPath": "url_path", "SessionV2": "session_v2",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestKeyProblem(t *testing.T) {
	for key, bad := range map[string]bool{
		"cart_id": false, "a.b-c_D9": false, strings.Repeat("k", 128): false,
		"": true, "a b": true, "a/b": true, "ключ": true, strings.Repeat("k", 129): true, "a:b": true,
	} {
		if got := keyProblem(key) != ""; got != bad {
			t.Errorf("keyProblem(%q) = %q, want bad=%v", key, keyProblem(key), bad)
		}
	}
}

func TestTagProblem(t *testing.T) {
	for tag, bad := range map[string]bool{
		``: false, `session:"a"`: false, `json:"x" session:"a,flash"`: false, `json: "x"`: false,
		`session: "a"`: true, `session:"a"json:"b"`: true, `session:"a`: true, `session`: true,
		`session:"a" session:"b"`: true, "session:\"a\"\tjson:\"b\"": true,
	} {
		if got := tagProblem(tag) != ""; got != bad {
			t.Errorf("tagProblem(%q) = %q, want bad=%v", tag, tagProblem(tag), bad)
		}
	}
}
