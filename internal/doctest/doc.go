// Package doctest holds the tests that keep README.md, docs/*.md and
// bench/README.md true: every Go block in them is compiled, their links
// resolve, and the README's install steps run as a newcomer runs them. It
// has no code of its own.
//
// Every fenced Go block starts with a comment naming a file:
//
//	// examples/shop/handlers.go
//
// When the repository has that file, the rest of the block must be a run of
// its lines, word for word (indentation aside), and the file's package must
// vet. Otherwise the block is the whole of that file in a reader's module,
// package clause and imports included: each document's whole files are
// written into a fresh module that requires this repository through a
// replace directive, where go mod tidy, go generate and go vet must pass. A
// Go block without that first line, or a fence without a language, fails.
// Every relative link must name a file of the repository and, into a
// Markdown file, one of its headings.
//
// Shell blocks after <!-- doctest: NAME --> are steps TestREADMEInstall runs
// as written: install-from-clone in an empty module cache, then generate,
// then go build.
package doctest
