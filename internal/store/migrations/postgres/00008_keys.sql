-- +goose Up
-- The key hierarchy of the cryptographic service platform. A master key, held outside the
-- database (a file or the environment), wraps data keys; data keys wrap the private keys of
-- signing keys and other secrets. Rows here are useless without the master key.

-- Data keys: random SM4 or AES-256 keys sealed (GCM) under the master key named by
-- master_key_id (a fingerprint, never the key). One active data key per purpose; retired ones
-- stay to unwrap what they wrapped.
CREATE TABLE key_data_keys (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    algorithm      TEXT NOT NULL CHECK (algorithm IN ('SM4-GCM', 'AES-256-GCM')),
    wrapped        BYTEA NOT NULL,
    master_key_id  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    retired_at     TIMESTAMPTZ
);
CREATE UNIQUE INDEX key_data_keys_active ON key_data_keys (purpose) WHERE retired_at IS NULL;

-- Signing keys per organisation and purpose. key_ref is what the key provider needs to use the
-- key: for the software provider the PKCS #8 private key sealed under data_key_id, for a
-- hardware module its handle. A rotated key is 'retiring' (still verifies and may still sign)
-- until retire_at, then 'retired' (verifies only). uses counts signatures, flushed from memory.
CREATE TABLE signing_keys (
    id           TEXT PRIMARY KEY,
    org_code     TEXT NOT NULL REFERENCES organisations (code),
    purpose      TEXT NOT NULL,
    algorithm    TEXT NOT NULL CHECK (algorithm IN ('SM2', 'ECDSA-P256', 'Ed25519')),
    provider     TEXT NOT NULL,
    public_key   BYTEA NOT NULL,
    key_ref      BYTEA NOT NULL,
    data_key_id  TEXT REFERENCES key_data_keys (id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'retiring', 'retired')),
    created_at   TIMESTAMPTZ NOT NULL,
    retire_at    TIMESTAMPTZ,
    retired_at   TIMESTAMPTZ,
    replaced_by  TEXT REFERENCES signing_keys (id),
    uses         BIGINT NOT NULL DEFAULT 0,
    last_used_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys (org_code, purpose, algorithm) WHERE status = 'active';
CREATE INDEX signing_keys_org ON signing_keys (org_code, purpose);

-- +goose Down
DROP TABLE signing_keys;
DROP TABLE key_data_keys;
