-- +goose Up
-- Electronic licences (電子證照, GB/T 36901…36906-2018; internal/license).

-- Licence types (證照類型, GB/T 36902): kept by the department that defines or issues them and
-- published by the digital office; every version is kept. A version's elements (names, defining
-- authority and its level, holder category, validity range, linked service items, face-data
-- fields) are JSON in data; names and holder category are columns for listings.
CREATE TABLE licence_types (
    code            TEXT NOT NULL,
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'published', 'superseded')),
    org_code        TEXT NOT NULL REFERENCES organisations (code),
    name_hans       TEXT NOT NULL,
    name_hant       TEXT NOT NULL,
    name_en         TEXT NOT NULL,
    holder_category TEXT NOT NULL CHECK (holder_category IN ('person', 'enterprise', 'both')),
    data            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_by      TEXT NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    decided_by      TEXT,
    decided_at      TIMESTAMP,
    return_reason   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (code, version)
);
CREATE UNIQUE INDEX licence_types_published ON licence_types (code) WHERE status = 'published';
CREATE INDEX licence_types_org ON licence_types (org_code, code);

-- Serial numbers an issuer gives its licences of a type (the serial part of the identifier).
CREATE TABLE licence_serials (
    issuer_code TEXT NOT NULL,
    type_code   TEXT NOT NULL,
    last        BIGINT NOT NULL,
    PRIMARY KEY (issuer_code, type_code)
);

-- Licences, one row per version: a change issues the next version under a new identifier and
-- supersedes the one before. The metadata of GB/T 36903 are columns; the face data JSON by the
-- type's field keys. credential is the signed machine-readable licence (internal/credential);
-- disclosures, the salts and values of its hidden claims, are sealed under a data key
-- (keys.Service.Seal) because whoever holds them can show the holder's data. Expiry is not a
-- status: a licence past valid_until reads expired, and expired_logged records that the ledger
-- was told.
CREATE TABLE licences (
    id               TEXT PRIMARY KEY,
    type_code        TEXT NOT NULL,
    type_version     INTEGER NOT NULL,
    serial           TEXT NOT NULL,
    version          TEXT NOT NULL,
    number           TEXT NOT NULL,
    name_hans        TEXT NOT NULL,
    issuer_org       TEXT NOT NULL REFERENCES organisations (code),
    issuer_code      TEXT NOT NULL,
    issuer_name      TEXT NOT NULL,
    holder_name      TEXT NOT NULL,
    holder_code      TEXT NOT NULL,
    holder_code_type TEXT NOT NULL CHECK (holder_code_type IN ('111', '001')),
    jurisdiction     TEXT NOT NULL,
    linked_item      TEXT NOT NULL DEFAULT '',
    case_id          TEXT,
    issued_on        TEXT NOT NULL,
    valid_from       TEXT NOT NULL,
    valid_until      TEXT,
    status           TEXT NOT NULL CHECK (status IN ('valid', 'suspended', 'revoked', 'superseded')),
    status_reason    TEXT NOT NULL DEFAULT '',
    status_at        TIMESTAMP NOT NULL,
    expired_logged   INTEGER NOT NULL DEFAULT 0,
    face             TEXT NOT NULL,
    credential       TEXT NOT NULL,
    disclosures      BLOB NOT NULL,
    key_id           TEXT NOT NULL,
    pdf_sha256       TEXT REFERENCES blobs (sha256),
    supersedes       TEXT REFERENCES licences (id),
    created_by       TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    FOREIGN KEY (type_code, type_version) REFERENCES licence_types (code, version)
);
CREATE UNIQUE INDEX licences_serial ON licences (issuer_code, type_code, serial, version);
CREATE INDEX licences_holder ON licences (holder_code_type, holder_code, type_code);
CREATE INDEX licences_key ON licences (key_id, id);
CREATE INDEX licences_case ON licences (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX licences_expiry ON licences (valid_until) WHERE status = 'valid' AND expired_logged = 0;

-- What happened to each licence, each step also appended to the ledger (its index kept).
CREATE TABLE licence_history (
    id           INTEGER PRIMARY KEY,
    licence_id   TEXT NOT NULL REFERENCES licences (id),
    at           TIMESTAMP NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('issued', 'changed', 'suspended', 'reinstated', 'revoked', 'expired', 'annotated')),
    actor        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    ledger_index BIGINT
);
CREATE INDEX licence_history_licence ON licence_history (licence_id, id);

-- Presentations a holder made (a QR code shown for a purpose, with chosen fields), so that
-- their uses can be told to the holder.
CREATE TABLE licence_presentations (
    id          TEXT PRIMARY KEY,
    licence_id  TEXT NOT NULL REFERENCES licences (id),
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    fields      TEXT NOT NULL DEFAULT '',
    purpose     TEXT NOT NULL,
    audience    TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
CREATE INDEX licence_presentations_licence ON licence_presentations (licence_id, created_at);

-- A holder's authorisation of a named organisation (of this node, or of another province's
-- node) to fetch a licence for a purpose during a period.
CREATE TABLE licence_grants (
    id           TEXT PRIMARY KEY,
    licence_id   TEXT NOT NULL REFERENCES licences (id),
    account_id   BIGINT NOT NULL REFERENCES accounts (id),
    grantee_node TEXT NOT NULL DEFAULT '',
    grantee_org  TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    valid_from   TIMESTAMP NOT NULL,
    valid_until  TIMESTAMP NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    revoked_at   TIMESTAMP
);
CREATE INDEX licence_grants_licence ON licence_grants (licence_id, created_at);
CREATE INDEX licence_grants_grantee ON licence_grants (grantee_node, grantee_org, valid_until);

-- Every use of a licence the platform sees: a presentation verified online, a fetch under a
-- grant or across nodes, a material filled in an application; the holder sees them all.
CREATE TABLE licence_uses (
    id            INTEGER PRIMARY KEY,
    licence_id    TEXT NOT NULL REFERENCES licences (id),
    at            TIMESTAMP NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('verified', 'fetched', 'filled', 'downloaded')),
    by_node       TEXT NOT NULL DEFAULT '',
    by_org        TEXT NOT NULL DEFAULT '',
    by_actor      TEXT NOT NULL DEFAULT '',
    purpose       TEXT NOT NULL,
    presentation  TEXT NOT NULL DEFAULT '',
    grant_id      TEXT NOT NULL DEFAULT '',
    case_id       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX licence_uses_licence ON licence_uses (licence_id, id);

-- Annotated copies (加注件): a licence copy for one use, with its reason and expiry, signed.
CREATE TABLE licence_copies (
    id          TEXT PRIMARY KEY,
    licence_id  TEXT NOT NULL REFERENCES licences (id),
    account_id  BIGINT NOT NULL REFERENCES accounts (id),
    reason      TEXT NOT NULL,
    use_for     TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    credential  TEXT NOT NULL,
    pdf_sha256  TEXT REFERENCES blobs (sha256),
    created_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE INDEX licence_copies_licence ON licence_copies (licence_id, created_at);

-- +goose Down
DROP TABLE licence_copies;
DROP TABLE licence_uses;
DROP TABLE licence_grants;
DROP TABLE licence_presentations;
DROP TABLE licence_history;
DROP TABLE licences;
DROP TABLE licence_serials;
DROP TABLE licence_types;
