// Package search is full-text search in Chinese: text is segmented into words (gse) and indexed
// in SQLite FTS5 or PostgreSQL tsvector, so that a two-character word such as 執照 finds the
// documents whose text contains it, in simplified or traditional characters.
package search
