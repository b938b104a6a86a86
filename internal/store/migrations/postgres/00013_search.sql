-- +goose Up
-- Full-text search (internal/search). A document is one searchable object of some kind (a
-- published service item, a bundle, later a dataset), identified by (kind, doc_id). Its texts
-- are stored already segmented into words (gse, traditional characters made simplified),
-- space-separated, in two columns that rank differently: title (names, keywords) above body.
-- tsv holds the same words as lexemes exactly as they are — written by internal/search as a
-- tsvector literal, with no parser or dictionary between — title words weighted A, body words D,
-- in a GIN index.
CREATE TABLE search_documents (
    kind    TEXT NOT NULL,
    doc_id  TEXT NOT NULL,
    title   TEXT NOT NULL,
    body    TEXT NOT NULL,
    tsv     TSVECTOR NOT NULL,
    PRIMARY KEY (kind, doc_id)
);
CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv);

-- +goose Down
DROP TABLE search_documents;
