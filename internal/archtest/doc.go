// Package archtest holds the tests that keep Yiwang's architecture honest: the import layering
// written in ARCHITECTURE.md, and a doc comment on every package.
package archtest
