-- +goose Up
-- The register of every RFC 3161 time-stamp token Yiwang's time-stamping authority issued. A
-- token's serial number is this table's serial, allocated in the transaction that records the
-- token and signs it, so no two tokens ever share a serial and every token handed out is here.
-- Only the message imprint is kept — the hash algorithm and the digest the client sent, hex —
-- never the document: the authority never sees it. tsa_certificate is the hex SHA-256 of the
-- certificate that signed, so the register still says which key answered after a rotation.
-- The register is append-only (triggers below): it is evidence for as long as tokens are relied
-- on, and a rolled-back transaction leaves no row and hands out no token.
CREATE TABLE tsa_tokens (
    serial           INTEGER PRIMARY KEY AUTOINCREMENT,
    hash_algorithm   TEXT NOT NULL CHECK (hash_algorithm IN ('SHA-256', 'SHA-384', 'SHA-512')),
    digest           TEXT NOT NULL,
    policy           TEXT NOT NULL,
    tsa_certificate  TEXT NOT NULL,
    issued_at        TIMESTAMP NOT NULL
);
CREATE INDEX tsa_tokens_issued ON tsa_tokens (issued_at);
CREATE INDEX tsa_tokens_digest ON tsa_tokens (digest);

-- +goose StatementBegin
CREATE TRIGGER tsa_tokens_no_update BEFORE UPDATE ON tsa_tokens
BEGIN
    SELECT RAISE(ABORT, 'tsa_tokens is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER tsa_tokens_no_delete BEFORE DELETE ON tsa_tokens
BEGIN
    SELECT RAISE(ABORT, 'tsa_tokens is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE tsa_tokens;
