-- +goose Up
CREATE TABLE organisations (
    code         TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('government', 'department', 'city', 'zone', 'enterprise', 'party', 'legislature', 'judiciary', 'other')),
    name_hans    TEXT NOT NULL,
    name_hant    TEXT NOT NULL,
    name_en      TEXT NOT NULL,
    region_code  TEXT NOT NULL,
    parent_code  TEXT REFERENCES organisations (code),
    created_at   TIMESTAMP NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- Names by which people write an organisation (in either script), used to match plan text.
CREATE TABLE organisation_aliases (
    alias     TEXT PRIMARY KEY,
    org_code  TEXT NOT NULL REFERENCES organisations (code)
);

CREATE TABLE accounts (
    id             INTEGER PRIMARY KEY,
    login          TEXT NOT NULL UNIQUE,
    kind           TEXT NOT NULL CHECK (kind IN ('resident', 'enterprise_agent', 'official')),
    display_name   TEXT NOT NULL,
    org_code       TEXT REFERENCES organisations (code),
    password_hash  TEXT NOT NULL,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TIMESTAMP NOT NULL
);

CREATE TABLE account_roles (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    role        TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
);

-- Sessions are looked up by the SHA-256 of their cookie value; the value itself is never stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- Audit records are append-only: the triggers below refuse every UPDATE and DELETE.
CREATE TABLE audit_events (
    id             INTEGER PRIMARY KEY,
    at             TIMESTAMP NOT NULL,
    actor          TEXT NOT NULL,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    before_digest  TEXT NOT NULL DEFAULT '',
    after_digest   TEXT NOT NULL DEFAULT '',
    request_id     TEXT NOT NULL DEFAULT '',
    detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id);

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_events;
DROP TABLE sessions;
DROP TABLE account_roles;
DROP TABLE accounts;
DROP TABLE organisation_aliases;
DROP TABLE organisations;
