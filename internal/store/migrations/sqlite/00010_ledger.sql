-- +goose Up
-- The transparency log (internal/ledger): an append-only RFC 6962 Merkle tree over typed
-- entries that carry digests, never personal data in clear. Entries and the tree's stored hashes
-- are written in the transaction that appends them; signed checkpoints commit to the tree.
-- Nothing here is ever updated or deleted (triggers refuse it), and `yiwang ledger verify`
-- recomputes every hash from the entries, so that editing a row directly is found out.

-- The size of the tree. Appends lock this one row, so that concurrent transactions take
-- consecutive indexes; SQLite has one writer anyway.
CREATE TABLE ledger_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    size  INTEGER NOT NULL CHECK (size >= 0)
);
INSERT INTO ledger_head (id, size) VALUES (1, 0);

-- One row per entry. The leaf the tree commits to is the canonical encoding of these fields
-- (version says which encoding), recomputed by readers and auditors rather than stored twice.
CREATE TABLE ledger_entries (
    idx      INTEGER PRIMARY KEY CHECK (idx >= 0),
    version  INTEGER NOT NULL,
    type     TEXT NOT NULL,
    digest   TEXT NOT NULL,
    org      TEXT NOT NULL DEFAULT '',
    subject  TEXT NOT NULL DEFAULT '',
    at       TIMESTAMP NOT NULL
);
-- Looking up a document by its digest (was this notarised, and where?).
CREATE INDEX ledger_entries_digest ON ledger_entries (digest);

-- The tree's stored hashes by tlog storage index (golang.org/x/mod/sumdb/tlog): each entry adds
-- its leaf hash and the hashes of the subtrees it completes, on average two rows.
CREATE TABLE ledger_hashes (
    id    INTEGER PRIMARY KEY CHECK (id >= 0),
    hash  BLOB NOT NULL
);

-- Every signed checkpoint (C2SP tlog-checkpoint as a signed note), kept so that auditors can
-- check each against the entries and against the one before it. verifier_key is the note
-- verifier key of the key that signed it, as the node itself asserts it.
CREATE TABLE ledger_checkpoints (
    size          INTEGER PRIMARY KEY CHECK (size >= 0),
    root_hash     BLOB NOT NULL,
    note          TEXT NOT NULL,
    verifier_key  TEXT NOT NULL,
    signed_at     TIMESTAMP NOT NULL
);

-- Witnesses' cosignatures of this log's checkpoints: one signed-note signature line per witness
-- key, served with the checkpoint.
CREATE TABLE ledger_cosignatures (
    size         INTEGER NOT NULL REFERENCES ledger_checkpoints (size),
    witness      TEXT NOT NULL,
    signature    TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (size, witness)
);

-- As a witness: the latest checkpoint this node cosigned for each log it witnesses.
CREATE TABLE ledger_witness_state (
    origin      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL CHECK (size >= 0),
    root_hash   BLOB NOT NULL,
    checkpoint  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- As a witness: checkpoints refused because they contradict what the witness saw before (a
-- split view, or a proof that does not hold), kept whole as evidence against the log.
CREATE TABLE ledger_witness_evidence (
    id           INTEGER PRIMARY KEY,
    origin       TEXT NOT NULL,
    old_size     INTEGER NOT NULL,
    size         INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    request      TEXT NOT NULL,
    known        TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL
);
CREATE INDEX ledger_witness_evidence_origin ON ledger_witness_evidence (origin);

-- +goose StatementBegin
CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_hashes_no_update BEFORE UPDATE ON ledger_hashes
BEGIN
    SELECT RAISE(ABORT, 'ledger_hashes is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_hashes_no_delete BEFORE DELETE ON ledger_hashes
BEGIN
    SELECT RAISE(ABORT, 'ledger_hashes is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'ledger_checkpoints is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'ledger_checkpoints is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE ledger_witness_evidence;
DROP TABLE ledger_witness_state;
DROP TABLE ledger_cosignatures;
DROP TABLE ledger_checkpoints;
DROP TABLE ledger_hashes;
DROP TABLE ledger_entries;
DROP TABLE ledger_head;
