-- +goose Up
-- Federation between provinces' nodes (internal/federation): the trust lists this node publishes
-- and the peers whose trust lists it imports.

-- This node's own trust lists, every version. content is the SHA-256 of the list without its
-- version and times (the next version is made only when it changes); document is the signed
-- list as served, digest its SHA-256 as the ledger holds it.
CREATE TABLE federation_published (
    version      BIGINT PRIMARY KEY CHECK (version > 0),
    content      TEXT NOT NULL,
    document     TEXT NOT NULL,
    digest       TEXT NOT NULL,
    key_id       TEXT NOT NULL,
    issued_at    TIMESTAMP NOT NULL,
    next_update  TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL,
    ledger_index BIGINT NOT NULL
);

-- Other provinces' nodes: registered by an administrator of the digital office with the node
-- key that signs their trust lists (pinned: DER SubjectPublicKeyInfo, its SHA-256 fingerprint
-- compared out of band), trusted only once approved and until suspended. version is the
-- latest trust list imported (0: none yet).
CREATE TABLE federation_peers (
    code           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    endpoint       TEXT NOT NULL,
    algorithm      TEXT NOT NULL CHECK (algorithm IN ('SM2', 'ES256')),
    public_key     BLOB NOT NULL,
    fingerprint    TEXT NOT NULL UNIQUE,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'suspended')),
    registered_by  TEXT NOT NULL,
    registered_at  TIMESTAMP NOT NULL,
    approved_by    TEXT,
    approved_at    TIMESTAMP,
    suspended_by   TEXT,
    suspended_at   TIMESTAMP,
    suspend_reason TEXT NOT NULL DEFAULT '',
    version        BIGINT NOT NULL DEFAULT 0,
    imported_at    TIMESTAMP
);

-- Every version of a peer's trust list imported, as received and signed, each also appended to
-- the ledger (its index kept). content is the SHA-256 of the list's JSON: the same version
-- received again is a replay only if it is identical.
CREATE TABLE federation_peer_lists (
    peer_code    TEXT NOT NULL REFERENCES federation_peers (code),
    version      BIGINT NOT NULL CHECK (version > 0),
    document     TEXT NOT NULL,
    content      TEXT NOT NULL,
    digest       TEXT NOT NULL,
    issued_at    TIMESTAMP NOT NULL,
    next_update  TIMESTAMP NOT NULL,
    fetched_at   TIMESTAMP NOT NULL,
    fetched_by   TEXT NOT NULL,
    ledger_index BIGINT NOT NULL,
    PRIMARY KEY (peer_code, version)
);

-- +goose Down
DROP TABLE federation_peer_lists;
DROP TABLE federation_peers;
DROP TABLE federation_published;
