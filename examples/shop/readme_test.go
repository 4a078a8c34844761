package main

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// readmePath is the repository's README, relative to this directory.
const readmePath = "../../README.md"

// snippetPrefix is how the README names a file of this directory.
const snippetPrefix = "examples/shop/"

// TestREADMESnippets keeps the README's code in step with the shop's. A
// README block is a fenced code block on the line after
//
//	<!-- snippet: examples/shop/FILE#NAME -->
//
// and it must equal the lines of FILE between "// snippet:NAME" and
// "// endsnippet" (the marker lines left out, the common indentation
// removed). Every region marked in this directory must be in the README, and
// every README block for this directory must name a marked region.
func TestREADMESnippets(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(readme)
	if err != nil {
		t.Fatalf("README.md: %v", err)
	}
	regions, err := sourceRegions(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range slices.Sorted(maps.Keys(regions)) {
		region := regions[key]
		block, ok := blocks[key]
		switch {
		case !ok:
			t.Errorf("README.md lacks snippet %s; add it as\n\n<!-- snippet: %s -->\n```go\n%s```\n", key, key, region)
		case block != region:
			t.Errorf("README.md's snippet %s differs from the code; replace the block with\n\n```go\n%s```\n\nREADME.md has\n\n```go\n%s```\n", key, region, block)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(blocks)) {
		if _, ok := regions[key]; !ok && strings.HasPrefix(key, snippetPrefix) {
			t.Errorf("README.md shows snippet %s, but no file in %s marks a region %q", key, snippetPrefix, key[strings.LastIndex(key, "#")+1:])
		}
	}
}

// readmeBlocks returns the README's snippet blocks by "path#name", each with
// its lines newline-terminated.
func readmeBlocks(readme []byte) (map[string]string, error) {
	blocks := make(map[string]string)
	lines := strings.Split(string(readme), "\n")
	for i := 0; i < len(lines); i++ {
		key, ok := strings.CutPrefix(strings.TrimSpace(lines[i]), "<!-- snippet:")
		if !ok {
			continue
		}
		key, ok = strings.CutSuffix(key, "-->")
		key = strings.TrimSpace(key)
		if !ok || !strings.Contains(key, "#") {
			return nil, fmt.Errorf("line %d: want <!-- snippet: path/to/file.go#name -->", i+1)
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			return nil, fmt.Errorf("line %d: snippet %s: the next line must open a fenced code block", i+1, key)
		}
		fence := lines[i+1][:len(lines[i+1])-len(strings.TrimLeft(lines[i+1], "`"))]
		var b strings.Builder
		j := i + 2
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != fence; j++ {
			b.WriteString(lines[j] + "\n")
		}
		if j == len(lines) {
			return nil, fmt.Errorf("line %d: snippet %s: the code block is not closed", i+2, key)
		}
		if _, dup := blocks[key]; dup {
			return nil, fmt.Errorf("line %d: snippet %s appears twice", i+1, key)
		}
		blocks[key] = trimBlank(b.String())
		i = j
	}
	return blocks, nil
}

// sourceRegions returns the regions marked in the .go files under dir, by
// snippetPrefix + "file#name".
func sourceRegions(dir string) (map[string]string, error) {
	regions := make(map[string]string)
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		name, start := "", 0
		var body []string
		sc := bufio.NewScanner(bytes.NewReader(src))
		for n := 1; sc.Scan(); n++ {
			line := sc.Text()
			switch trimmed := strings.TrimSpace(line); {
			case strings.HasPrefix(trimmed, "// snippet:"):
				if name != "" {
					return fmt.Errorf("%s:%d: snippet %q starts inside snippet %q (line %d)", path, n, trimmed, name, start)
				}
				name, start, body = strings.TrimSpace(strings.TrimPrefix(trimmed, "// snippet:")), n, nil
			case trimmed == "// endsnippet":
				if name == "" {
					return fmt.Errorf("%s:%d: // endsnippet without // snippet:NAME", path, n)
				}
				key := snippetPrefix + filepath.ToSlash(path) + "#" + name
				if _, dup := regions[key]; dup {
					return fmt.Errorf("%s:%d: snippet %q marked twice", path, start, name)
				}
				regions[key] = trimBlank(dedent(body))
				name = ""
			case name != "":
				body = append(body, line)
			}
		}
		if name != "" {
			return fmt.Errorf("%s:%d: snippet %q has no // endsnippet", path, start, name)
		}
		return sc.Err()
	})
	return regions, err
}

// dedent removes the indentation that all non-blank lines share and joins
// the lines, each newline-terminated.
func dedent(lines []string) string {
	prefix := ""
	first := true
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		indent := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			prefix, first = indent, false
			continue
		}
		for !strings.HasPrefix(indent, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimPrefix(l, prefix) + "\n")
	}
	return b.String()
}

// trimBlank removes leading and trailing blank lines.
func trimBlank(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

func TestReadmeBlocks(t *testing.T) {
	for _, tc := range []struct {
		name, readme string
		want         map[string]string
		err          string
	}{
		{"none", "# Title\n```go\nx := 1\n```\n", map[string]string{}, ""},
		{"one", "<!-- snippet: examples/shop/a.go#x -->\n```go\n\nfunc f() {\n\treturn\n}\n```\n", map[string]string{"examples/shop/a.go#x": "func f() {\n\treturn\n}\n"}, ""},
		{"longer fence", "<!-- snippet: a.go#x -->\n````\n```\n````\n", map[string]string{"a.go#x": "```\n"}, ""},
		{"no fence", "<!-- snippet: a.go#x -->\n\n```go\n```\n", nil, "must open a fenced code block"},
		{"unclosed", "<!-- snippet: a.go#x -->\n```go\nx\n", nil, "not closed"},
		{"no name", "<!-- snippet: a.go -->\n```go\n```\n", nil, "want <!-- snippet:"},
		{"twice", "<!-- snippet: a.go#x -->\n```\n```\n<!-- snippet: a.go#x -->\n```\n```\n", nil, "appears twice"},
	} {
		got, err := readmeBlocks([]byte(tc.readme))
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err == "" && !maps.Equal(got, tc.want):
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestDedent(t *testing.T) {
	got := dedent([]string{"\t\tif x {", "", "\t\t\ty()", "\t\t}"})
	if want := "if x {\n\n\ty()\n}\n"; got != want {
		t.Errorf("dedent = %q, want %q", got, want)
	}
}
