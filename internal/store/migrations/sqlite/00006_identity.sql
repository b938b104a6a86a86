-- +goose Up
-- Residents register with an identity document; officials have none. Phone and document are
-- unique among accounts that have them. The TOTP secret is kept until the keys package can wrap it.
ALTER TABLE accounts ADD COLUMN phone TEXT;
ALTER TABLE accounts ADD COLUMN id_type TEXT;
ALTER TABLE accounts ADD COLUMN id_number TEXT;
ALTER TABLE accounts ADD COLUMN real_name_level INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN totp_secret TEXT;
ALTER TABLE accounts ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN locked_until TIMESTAMP;
CREATE UNIQUE INDEX accounts_phone ON accounts (phone) WHERE phone IS NOT NULL;
CREATE UNIQUE INDEX accounts_id_document ON accounts (id_type, id_number) WHERE id_number IS NOT NULL;

-- A session waiting for its second factor (TOTP) does not authenticate anyone yet; acting_for
-- is the enterprise an agent currently acts for.
ALTER TABLE sessions ADD COLUMN pending_totp INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN acting_for TEXT;
ALTER TABLE sessions ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;

-- The population registry a real-name check (level 2) matches against.
CREATE TABLE population_registry (
    id_type    TEXT NOT NULL,
    id_number  TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (id_type, id_number)
);

CREATE TABLE real_name_verifications (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts (id),
    level        INTEGER NOT NULL CHECK (level BETWEEN 1 AND 3),
    method       TEXT NOT NULL CHECK (method IN ('self_declared', 'registry', 'window')),
    verified_by  INTEGER REFERENCES accounts (id),
    org_code     TEXT REFERENCES organisations (code),
    place        TEXT NOT NULL DEFAULT '',
    at           TIMESTAMP NOT NULL
);
CREATE INDEX real_name_verifications_account ON real_name_verifications (account_id);

-- Every login attempt, kept so that a person can see their own history.
CREATE TABLE login_history (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts (id),
    method      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    client_ip   TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    at          TIMESTAMP NOT NULL
);
CREATE INDEX login_history_account ON login_history (account_id, at);

-- One-time codes go to a phone (recipient) and are stored as hashes; each allows a few attempts.
CREATE TABLE one_time_codes (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts (id),
    recipient   TEXT NOT NULL,
    purpose     TEXT NOT NULL CHECK (purpose IN ('register', 'login', 'recovery')),
    code_hash   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP
);
CREATE INDEX one_time_codes_recipient ON one_time_codes (recipient, purpose, created_at);

-- Messages the development sender "sent": the outbox page shows them. Production refuses it.
CREATE TABLE message_outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- Enterprises and the agents their legal representative authorised.
CREATE TABLE enterprises (
    credit_code       TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    owner_account_id  INTEGER NOT NULL REFERENCES accounts (id),
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX enterprises_owner ON enterprises (owner_account_id);

CREATE TABLE agent_authorisations (
    id                INTEGER PRIMARY KEY,
    credit_code       TEXT NOT NULL REFERENCES enterprises (credit_code),
    agent_account_id  INTEGER NOT NULL REFERENCES accounts (id),
    scopes            TEXT NOT NULL,
    valid_from        TIMESTAMP NOT NULL,
    valid_until       TIMESTAMP NOT NULL,
    granted_by        INTEGER NOT NULL REFERENCES accounts (id),
    granted_at        TIMESTAMP NOT NULL,
    revoked_at        TIMESTAMP,
    revoked_by        INTEGER REFERENCES accounts (id)
);
CREATE INDEX agent_authorisations_agent ON agent_authorisations (agent_account_id);
CREATE INDEX agent_authorisations_enterprise ON agent_authorisations (credit_code);

-- Personal access tokens, looked up by the SHA-256 of the token; prefix identifies it to people.
CREATE TABLE access_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    scopes        TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    last_used_at  TIMESTAMP,
    revoked_at    TIMESTAMP
);
CREATE INDEX access_tokens_account ON access_tokens (account_id);

-- +goose Down
DROP TABLE access_tokens;
DROP TABLE agent_authorisations;
DROP TABLE enterprises;
DROP TABLE message_outbox;
DROP TABLE one_time_codes;
DROP TABLE login_history;
DROP TABLE real_name_verifications;
DROP TABLE population_registry;
DROP INDEX accounts_id_document;
DROP INDEX accounts_phone;
