-- +goose Up
-- The register of every RFC 3161 time-stamp token Yiwang's time-stamping authority issued. A
-- token's serial number is this table's serial, allocated in the transaction that records the
-- token and signs it, so no two tokens ever share a serial and every token handed out is here.
-- Only the message imprint is kept — the hash algorithm and the digest the client sent, hex —
-- never the document: the authority never sees it. tsa_certificate is the hex SHA-256 of the
-- certificate that signed, so the register still says which key answered after a rotation.
-- The register is append-only (triggers below): it is evidence for as long as tokens are relied
-- on. A rolled-back transaction hands out no token; it may leave a gap in the serials.
CREATE TABLE tsa_tokens (
    serial           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    hash_algorithm   TEXT NOT NULL CHECK (hash_algorithm IN ('SHA-256', 'SHA-384', 'SHA-512')),
    digest           TEXT NOT NULL,
    policy           TEXT NOT NULL,
    tsa_certificate  TEXT NOT NULL,
    issued_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX tsa_tokens_issued ON tsa_tokens (issued_at);
CREATE INDEX tsa_tokens_digest ON tsa_tokens (digest);

-- +goose StatementBegin
CREATE FUNCTION tsa_tokens_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'tsa_tokens is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER tsa_tokens_no_update BEFORE UPDATE OR DELETE ON tsa_tokens
    FOR EACH ROW EXECUTE FUNCTION tsa_tokens_append_only();
CREATE TRIGGER tsa_tokens_no_truncate BEFORE TRUNCATE ON tsa_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION tsa_tokens_append_only();

-- +goose Down
DROP TABLE tsa_tokens;
DROP FUNCTION tsa_tokens_append_only();
