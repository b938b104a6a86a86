-- +goose Up
-- The electronic-seal registry (電子印章). A seal belongs to one organisation; creating it and
-- revoking it each take two people: an administrator asks, an approver who is someone else
-- decides. Only an approved seal has a key, a certificate and — for SM2 seals — the GB/T 38540
-- seal structure (SESeal) signed by the provincial seal maker. Nothing here is secret: the
-- private key stays in internal/keys.
CREATE TABLE seals (
    id                   TEXT PRIMARY KEY,
    code                 TEXT NOT NULL UNIQUE,
    org_code             TEXT NOT NULL REFERENCES organisations (code),
    kind                 TEXT NOT NULL CHECK (kind IN ('official', 'special', 'contract', 'finance', 'invoice')),
    name                 TEXT NOT NULL,
    algorithm            TEXT NOT NULL CHECK (algorithm IN ('SM2', 'ECDSA-P256')),
    image_sha256         TEXT NOT NULL REFERENCES blobs (sha256),
    width_mm             INTEGER NOT NULL,
    height_mm            INTEGER NOT NULL,
    valid_from           TIMESTAMPTZ NOT NULL,
    valid_to             TIMESTAMPTZ NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'rejected', 'active', 'revocation_pending', 'revoked')),
    key_id               TEXT REFERENCES signing_keys (id),
    cert_serial          TEXT,
    seal_der             BYTEA,
    requested_by         TEXT NOT NULL,
    requested_at         TIMESTAMPTZ NOT NULL,
    decided_by           TEXT,
    decided_at           TIMESTAMPTZ,
    reject_reason        TEXT NOT NULL DEFAULT '',
    revoke_requested_by  TEXT,
    revoke_requested_at  TIMESTAMPTZ,
    revoke_reason        TEXT NOT NULL DEFAULT '',
    revoked_by           TEXT,
    revoked_at           TIMESTAMPTZ
);
CREATE INDEX seals_org ON seals (org_code, status);
CREATE INDEX seals_cert ON seals (cert_serial);

-- Every signature made with a seal: who (the official's login), what (the document's and the
-- signature's SHA-256, never the document), when, in which format, and the time-stamp serial.
CREATE TABLE seal_signatures (
    id               TEXT PRIMARY KEY,
    seal_id          TEXT NOT NULL REFERENCES seals (id),
    org_code         TEXT NOT NULL REFERENCES organisations (code),
    signer           TEXT NOT NULL,
    format           TEXT NOT NULL CHECK (format IN ('cms', 'pdf', 'ses')),
    document_sha256  TEXT NOT NULL,
    signature_sha256 TEXT NOT NULL,
    document_name    TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL DEFAULT '',
    signed_at        TIMESTAMPTZ NOT NULL,
    ledger_index     BIGINT
);
CREATE INDEX seal_signatures_seal ON seal_signatures (seal_id, signed_at);
CREATE INDEX seal_signatures_doc ON seal_signatures (document_sha256);

-- +goose Down
DROP TABLE seal_signatures;
DROP TABLE seals;
