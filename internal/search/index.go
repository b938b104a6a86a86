package search

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/yiwang-platform/yiwang/internal/errs"
	"github.com/yiwang-platform/yiwang/internal/store"
)

// Index is the full-text index over one database: documents of any kind, found by the words of
// a query. It keeps no state but the database and the process's dictionary.
type Index struct {
	db *store.DB
}

// Open returns the index over db and starts loading the dictionary in the background.
func Open(ctx context.Context, db *store.DB) (*Index, error) {
	if db == nil {
		return nil, errors.New("search.Open: no database")
	}
	Warm()
	return &Index{db: db}, nil
}

// Doc is a searchable document: Title texts (names, keywords, aliases) rank above Body texts
// (descriptions, conditions, materials). Texts may be in simplified or traditional Chinese,
// English, or a mixture.
type Doc struct {
	Kind, ID string
	Title    []string
	Body     []string
}

// PutTx indexes d in tx, replacing what was indexed for (d.Kind, d.ID) before. Segmenting waits
// for the dictionary if it is still loading.
func (ix *Index) PutTx(ctx context.Context, tx *store.Tx, d Doc) (err error) {
	defer errs.Wrap(&err, "search.PutTx(%s, %s)", d.Kind, d.ID)
	if d.Kind == "" || d.ID == "" {
		return errs.E(errs.Internal, "search document without kind or id")
	}
	title, err := DocumentTerms(ctx, d.Title...)
	if err != nil {
		return err
	}
	body, err := DocumentTerms(ctx, d.Body...)
	if err != nil {
		return err
	}
	if tx.Dialect() == store.Postgres {
		_, err = tx.Exec(ctx, `INSERT INTO search_documents (kind, doc_id, title, body, tsv) VALUES (?, ?, ?, ?, CAST(? AS tsvector))
			ON CONFLICT (kind, doc_id) DO UPDATE SET title = excluded.title, body = excluded.body, tsv = excluded.tsv`,
			d.Kind, d.ID, strings.Join(title, " "), strings.Join(body, " "), TSVector(title, body))
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO search_documents (kind, doc_id, title, body) VALUES (?, ?, ?, ?)
		ON CONFLICT (kind, doc_id) DO UPDATE SET title = excluded.title, body = excluded.body`,
		d.Kind, d.ID, strings.Join(title, " "), strings.Join(body, " "))
	return err
}

// maxPosition is the largest position a tsvector keeps.
const maxPosition = 16383

// TSVector writes title and body terms as a PostgreSQL tsvector literal: each term a quoted
// lexeme (a quote or backslash inside doubled) with its positions, those of title terms
// weighted A, body terms D (the default, unmarked). Written out, not parsed from text, so that
// the lexemes are the terms exactly, as the quoted lexemes of TSQuery are.
func TSVector(title, body []string) string {
	positions := map[string][]string{}
	var order []string
	pos := 0
	add := func(terms []string, weight string) {
		for _, t := range terms {
			pos = min(pos+1, maxPosition)
			if _, ok := positions[t]; !ok {
				order = append(order, t)
			}
			positions[t] = append(positions[t], strconv.Itoa(pos)+weight)
		}
	}
	add(title, "A")
	add(body, "")
	var b strings.Builder
	for i, t := range order {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quoteLexeme(t))
		b.WriteByte(':')
		b.WriteString(strings.Join(positions[t], ","))
	}
	return b.String()
}

// quoteLexeme quotes a lexeme for tsvector and tsquery literals.
func quoteLexeme(t string) string {
	return "'" + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(t) + "'"
}

// PutManyTx indexes docs in tx as PutTx does each, in a few statements: the way to load
// thousands of documents. A document given twice is indexed as the last one says.
func (ix *Index) PutManyTx(ctx context.Context, tx *store.Tx, docs []Doc) (err error) {
	defer errs.Wrap(&err, "search.PutManyTx(%d)", len(docs))
	last := map[[2]string]int{}
	for i, d := range docs {
		if d.Kind == "" || d.ID == "" {
			return errs.E(errs.Internal, "search document without kind or id")
		}
		last[[2]string{d.Kind, d.ID}] = i
	}
	pg := tx.Dialect() == store.Postgres
	const perStatement = 200
	var values []string
	var args []any
	flush := func() error {
		if len(values) == 0 {
			return nil
		}
		q := `INSERT INTO search_documents (kind, doc_id, title, body) VALUES ` + strings.Join(values, ", ") +
			` ON CONFLICT (kind, doc_id) DO UPDATE SET title = excluded.title, body = excluded.body`
		if pg {
			q = `INSERT INTO search_documents (kind, doc_id, title, body, tsv) VALUES ` + strings.Join(values, ", ") +
				` ON CONFLICT (kind, doc_id) DO UPDATE SET title = excluded.title, body = excluded.body, tsv = excluded.tsv`
		}
		_, err := tx.Exec(ctx, q, args...)
		values, args = values[:0], args[:0]
		return err
	}
	for i, d := range docs {
		if last[[2]string{d.Kind, d.ID}] != i {
			continue
		}
		title, err := DocumentTerms(ctx, d.Title...)
		if err != nil {
			return err
		}
		body, err := DocumentTerms(ctx, d.Body...)
		if err != nil {
			return err
		}
		if pg {
			values = append(values, "(?, ?, ?, ?, CAST(? AS tsvector))")
			args = append(args, d.Kind, d.ID, strings.Join(title, " "), strings.Join(body, " "), TSVector(title, body))
		} else {
			values = append(values, "(?, ?, ?, ?)")
			args = append(args, d.Kind, d.ID, strings.Join(title, " "), strings.Join(body, " "))
		}
		if len(values) == perStatement {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// DeleteTx removes document (kind, id) from the index in tx; removing one that is not there is
// not an error.
func (ix *Index) DeleteTx(ctx context.Context, tx *store.Tx, kind, id string) error {
	_, err := tx.Exec(ctx, `DELETE FROM search_documents WHERE kind = ? AND doc_id = ?`, kind, id)
	return err
}

// Match is a query ready to join: SQL is a subquery (to be wrapped in parentheses) whose rows are
// the matching documents with columns kind, doc_id and score, a higher score a better match;
// Args are its arguments, in order. Callers join it on their own tables and add their own
// filters, ordering and paging:
//
//	SELECT … FROM items i JOIN (<SQL>) m ON m.kind = 'item' AND m.doc_id = i.code WHERE … ORDER BY m.score DESC
type Match struct {
	SQL   string
	Args  []any
	Terms []string
}

// Weights of the two columns in ranking: a word in a name counts ten times one in the body.
const titleWeight, bodyWeight = "10.0", "1.0"

// Match prepares query for documents of the given kinds (all kinds if none). Every term of the
// query must be in a document for it to match. ok is false when the query has no terms (empty,
// or punctuation only): there is nothing to match, and callers list without it. A query too long
// is errs.Invalid on field "q".
//
// Each term goes into the engine's query language quoted as a literal (FTS5 strings, tsquery
// lexemes), never as syntax: a query cannot use AND, OR, NEAR, column filters or prefixes.
func (ix *Index) Match(ctx context.Context, query string, kinds ...string) (m Match, ok bool, err error) {
	terms, err := QueryTerms(ctx, query)
	if err != nil || len(terms) == 0 {
		return Match{}, false, err
	}
	var q string
	if ix.db.Dialect() == store.Postgres {
		q = `SELECT d.kind, d.doc_id, ts_rank(d.tsv, CAST(? AS tsquery)) AS score FROM search_documents d
			WHERE d.tsv @@ CAST(? AS tsquery)`
		tq := TSQuery(terms)
		m.Args = []any{tq, tq}
	} else {
		// bm25 is lower for better matches; its negation ranks like ts_rank.
		q = `SELECT d.kind, d.doc_id, -bm25(search_fts, ` + titleWeight + `, ` + bodyWeight + `) AS score
			FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid WHERE search_fts MATCH ?`
		m.Args = []any{FTS5Query(terms)}
	}
	if len(kinds) > 0 {
		q += ` AND d.kind IN (` + store.Placeholders(len(kinds)) + `)`
		for _, k := range kinds {
			m.Args = append(m.Args, k)
		}
	}
	m.SQL, m.Terms = q, terms
	return m, true, nil
}

// FTS5Query writes terms as an FTS5 query that all of them must match: each a string in double
// quotes (a double quote inside doubled), joined by spaces (implicit AND).
func FTS5Query(terms []string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		b.WriteString(strings.ReplaceAll(t, `"`, `""`))
		b.WriteByte('"')
	}
	return b.String()
}

// TSQuery writes terms as PostgreSQL tsquery text that all of them must match: each a lexeme in
// single quotes (a quote or backslash inside doubled), joined by &.
func TSQuery(terms []string) string {
	var b strings.Builder
	for i, t := range terms {
		if i > 0 {
			b.WriteString(" & ")
		}
		b.WriteString(quoteLexeme(t))
	}
	return b.String()
}

// Hit is a matching document.
type Hit struct {
	Kind  string  `db:"kind"`
	ID    string  `db:"doc_id"`
	Score float64 `db:"score"`
}

// MaxLimit bounds one Search.
const MaxLimit = 1000

// Search returns up to limit documents of the given kinds (all if none) that hold every term of
// query, best first. A query without terms finds nothing.
func (ix *Index) Search(ctx context.Context, query string, limit int, kinds ...string) ([]Hit, error) {
	if limit <= 0 || limit > MaxLimit {
		limit = MaxLimit
	}
	m, ok, err := ix.Match(ctx, query, kinds...)
	if err != nil || !ok {
		return nil, err
	}
	var out []Hit
	err = ix.db.Select(ctx, &out, `SELECT kind, doc_id, score FROM (`+m.SQL+`) m ORDER BY score DESC, kind, doc_id LIMIT ?`,
		append(m.Args, limit)...)
	return out, err
}
