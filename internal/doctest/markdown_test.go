package doctest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot is the repository's root, relative to this directory.
const repoRoot = "../.."

// block is one fenced code block of a Markdown document.
type block struct {
	doc    string   // the document, relative to the repository root
	line   int      // line number of the block's first content line
	lang   string   // the info string's first word: "go", "sh", ...
	lines  []string // the content, the fence's indentation removed
	marker string   // NAME of a <!-- doctest: NAME --> on the line before the fence
}

// pos names the block's first content line, as file:line.
func (b block) pos() string { return fmt.Sprintf("%s:%d", b.doc, b.line) }

// text is the block's content, newline-terminated.
func (b block) text() string { return strings.Join(b.lines, "\n") + "\n" }

var markerRE = regexp.MustCompile(`^<!--\s*doctest:\s*(\S+)\s*-->$`)

// parseBlocks returns the fenced code blocks of the Markdown document src.
// A fence without a language is an error: it could hide Go from the tests.
func parseBlocks(doc string, src string) ([]block, error) {
	var blocks []block
	lines := strings.Split(src, "\n")
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimLeft(lines[i], " ")
		fenceChar := ""
		switch {
		case strings.HasPrefix(trimmed, "```"):
			fenceChar = "`"
		case strings.HasPrefix(trimmed, "~~~"):
			fenceChar = "~"
		default:
			continue
		}
		indent := len(lines[i]) - len(trimmed)
		fence := trimmed[:len(trimmed)-len(strings.TrimLeft(trimmed, fenceChar))]
		info := strings.Fields(trimmed[len(fence):])
		if len(info) == 0 {
			return nil, fmt.Errorf("%s:%d: a code block without a language; name one (```go, ```sh, ```text)", doc, i+1)
		}
		b := block{doc: doc, line: i + 2, lang: info[0]}
		if i > 0 {
			if m := markerRE.FindStringSubmatch(strings.TrimSpace(lines[i-1])); m != nil {
				b.marker = m[1]
			}
		}
		j := i + 1
		for ; j < len(lines); j++ {
			t := strings.TrimSpace(lines[j])
			if strings.HasPrefix(t, fence) && strings.Trim(t, fenceChar) == "" {
				break
			}
			l := lines[j]
			for k := 0; k < indent && strings.HasPrefix(l, " "); k++ {
				l = l[1:]
			}
			b.lines = append(b.lines, l)
		}
		if j == len(lines) {
			return nil, fmt.Errorf("%s:%d: code block not closed", doc, i+1)
		}
		blocks = append(blocks, b)
		i = j
	}
	return blocks, nil
}

// documents returns the repository's documents: README.md, bench/README.md
// and docs/*.md, relative to the repository root.
func documents(t *testing.T) []string {
	t.Helper()
	docs, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) == 0 {
		t.Fatal("no docs/*.md found")
	}
	out := []string{"README.md", "bench/README.md"}
	for _, d := range docs {
		rel, err := filepath.Rel(repoRoot, d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

// readBlocks parses doc, a path relative to the repository root.
func readBlocks(t *testing.T, doc string) []block {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(repoRoot, doc))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := parseBlocks(doc, string(src))
	if err != nil {
		t.Fatal(err)
	}
	return blocks
}

// headerRE is the first line of every Go block: the file it shows.
var headerRE = regexp.MustCompile(`^// ([\w./-]+\.go)$`)

// goFile splits a Go block into the file its first line names and the rest.
func goFile(b block) (path string, body []string, err error) {
	if len(b.lines) == 0 {
		return "", nil, fmt.Errorf("%s: empty Go block", b.pos())
	}
	m := headerRE.FindStringSubmatch(b.lines[0])
	if m == nil {
		return "", nil, fmt.Errorf("%s: a Go block must start with a line naming its file, such as\n\t// examples/shop/handlers.go (a run of that repository file's lines)\n\t// main.go (a whole file of the reader's module)\ngot %q", b.pos(), b.lines[0])
	}
	if strings.HasPrefix(m[1], "/") || slices.Contains(strings.Split(m[1], "/"), "..") {
		return "", nil, fmt.Errorf("%s: %s: the file must be relative and inside its module", b.pos(), m[1])
	}
	return m[1], b.lines[1:], nil
}

// excerptAt returns the line (1-based) of file where body starts as a run
// of its lines, all indented alike, or 0. Blank lines match blank lines.
func excerptAt(file, body []string) int {
	body = trimBlankLines(body)
	if len(body) == 0 {
		return 0
	}
	first := slices.IndexFunc(body, func(l string) bool { return strings.TrimSpace(l) != "" })
next:
	for i := 0; i+len(body) <= len(file); i++ {
		head := file[i+first]
		if !strings.HasSuffix(head, body[first]) {
			continue
		}
		prefix := head[:len(head)-len(body[first])]
		if strings.Trim(prefix, " \t") != "" {
			continue
		}
		for j, l := range body {
			f := file[i+j]
			if strings.TrimSpace(l) == "" {
				if strings.TrimSpace(f) != "" {
					continue next
				}
			} else if f != prefix+l {
				continue next
			}
		}
		return i + 1
	}
	return 0
}

func trimBlankLines(lines []string) []string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

func TestParseBlocks(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []block
		err       string
	}{
		{"none", "# Title\ntext\n", nil, ""},
		{"one", "a\n```go\n// x.go\npackage x\n```\n", []block{{doc: "d.md", line: 3, lang: "go", lines: []string{"// x.go", "package x"}}}, ""},
		{"marker", "<!-- doctest: install -->\n```sh\ngo version\n```\n", []block{{doc: "d.md", line: 3, lang: "sh", lines: []string{"go version"}, marker: "install"}}, ""},
		{"indented in a list", "1. step\n   ```sh\n   go version\n   ```\n", []block{{doc: "d.md", line: 3, lang: "sh", lines: []string{"go version"}}}, ""},
		{"longer fence", "````text\n```\n````\n", []block{{doc: "d.md", line: 2, lang: "text", lines: []string{"```"}}}, ""},
		{"tildes", "~~~go\n// x.go\n~~~\n", []block{{doc: "d.md", line: 2, lang: "go", lines: []string{"// x.go"}}}, ""},
		{"no language", "```\nx := 1\n```\n", nil, "d.md:1: a code block without a language"},
		{"unclosed", "```go\nx\n", nil, "d.md:1: code block not closed"},
	} {
		got, err := parseBlocks("d.md", tc.src)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err == "" && fmt.Sprint(got) != fmt.Sprint(tc.want):
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestGoFileHeader(t *testing.T) {
	for _, tc := range []struct {
		first, path, err string
	}{
		{"// examples/shop/handlers.go", "examples/shop/handlers.go", ""},
		{"// main.go", "main.go", ""},
		{"package main", "", "must start with a line naming its file"},
		{"// main.go, the program", "", "must start with a line naming its file"},
		{"// ../main.go", "", "relative and inside its module"},
	} {
		path, _, err := goFile(block{doc: "d.md", line: 1, lines: []string{tc.first}})
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: error %v, want one containing %q", tc.first, err, tc.err)
		case tc.err == "" && (err != nil || path != tc.path):
			t.Errorf("%q: got %q, %v; want %q", tc.first, path, err, tc.path)
		}
	}
}

func TestExcerptAt(t *testing.T) {
	file := []string{"package p", "", "func f() {", "\tif x {", "", "\t\ty()", "\t}", "}"}
	for _, tc := range []struct {
		name string
		body []string
		want int
	}{
		{"whole", file, 1},
		{"dedented", []string{"if x {", "", "\ty()", "}"}, 4},
		{"blank lines around", []string{"", "if x {", "", "\ty()", "}", ""}, 4},
		{"changed", []string{"if x {", "", "\tz()", "}"}, 0},
		{"uneven indentation", []string{"if x {", "", "y()", "}"}, 0},
		{"not a run", []string{"func f() {", "}"}, 0},
		{"blank body", []string{""}, 0},
	} {
		if got := excerptAt(file, tc.body); got != tc.want {
			t.Errorf("%s: excerptAt = %d, want %d", tc.name, got, tc.want)
		}
	}
}
