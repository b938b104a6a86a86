-- +goose Up
-- Full-text search (internal/search). A document is one searchable object of some kind (a
-- published service item, a bundle, later a dataset), identified by (kind, doc_id). Its texts
-- are stored already segmented into words (gse, traditional characters made simplified),
-- space-separated, in two columns that rank differently: title (names, keywords) above body.
-- FTS5 indexes them with the unicode61 tokenizer, which then only has to split at spaces.
CREATE TABLE search_documents (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    doc_id  TEXT NOT NULL,
    title   TEXT NOT NULL,
    body    TEXT NOT NULL,
    UNIQUE (kind, doc_id)
);

CREATE VIRTUAL TABLE search_fts USING fts5 (title, body, content = 'search_documents', content_rowid = 'id',
    tokenize = 'unicode61');

-- The FTS index follows its content table.
-- +goose StatementBegin
CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents
BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents
BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents
BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER search_documents_au;
DROP TRIGGER search_documents_ad;
DROP TRIGGER search_documents_ai;
DROP TABLE search_fts;
DROP TABLE search_documents;
