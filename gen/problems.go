package gen

import (
	"cmp"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// A Problem is one thing wrong with a schema, at the source position of the
// field (or type) it concerns.
type Problem struct {
	Pos   token.Position
	Field string // the Go field name, or "" for a problem with the type as a whole
	Type  string // the schema type, used when Field is ""
	Msg   string // what is wrong and how to fix it
}

// Error formats the problem as "file.go:line:col: field F: message".
func (p Problem) Error() string { return p.format(p.Pos.Filename) }

func (p Problem) format(file string) string {
	var b strings.Builder
	if file != "" {
		b.WriteString(file)
		if p.Pos.Line > 0 {
			fmt.Fprintf(&b, ":%d:%d", p.Pos.Line, p.Pos.Column)
		}
		b.WriteString(": ")
	}
	switch {
	case p.Field != "":
		b.WriteString("field " + p.Field + ": ")
	case p.Type != "":
		b.WriteString("type " + p.Type + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem one run found, sorted by position. It is the
// error that [Run] returns when the input is at fault.
type Problems []Problem

// Error lists the problems, one a line.
func (ps Problems) Error() string { return ps.Format("") }

// Format lists the problems, one a line, with file names relative to dir
// when they lie under it (dir "" keeps them as they are).
func (ps Problems) Format(dir string) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		file := p.Pos.Filename
		if dir != "" && file != "" {
			if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
				file = rel
			}
		}
		if dir != "" {
			// Messages of the type checker name other positions in full.
			p.Msg = strings.ReplaceAll(p.Msg, filepath.Clean(dir)+string(filepath.Separator), "")
		}
		lines[i] = p.format(file)
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
		)
	})
}

// packageProblem turns a go/packages error into a positioned problem.
func packageProblem(e packages.Error) Problem {
	return Problem{Pos: parsePos(e.Pos), Msg: e.Msg}
}

// parsePos parses "file:line:col" (or "file:line", or "") as go/packages
// writes positions.
func parsePos(s string) token.Position {
	var p token.Position
	if s == "" || s == "-" {
		return p
	}
	parts := strings.Split(s, ":")
	// File names may contain ':' (Windows drive letters); numbers come last.
	nums := 0
	for i := len(parts) - 1; i > 0 && nums < 2; i-- {
		if _, err := strconv.Atoi(parts[i]); err != nil {
			break
		}
		nums++
	}
	p.Filename = strings.Join(parts[:len(parts)-nums], ":")
	if nums >= 1 {
		p.Line, _ = strconv.Atoi(parts[len(parts)-nums])
	}
	if nums == 2 {
		p.Column, _ = strconv.Atoi(parts[len(parts)-1])
	}
	return p
}
