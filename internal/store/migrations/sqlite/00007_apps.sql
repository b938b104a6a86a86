-- +goose Up
-- Department apps (mini-apps) that sign people in through Yiwang's OpenID Connect provider, and
-- department systems that call the API with their own credentials. List columns hold
-- space-separated values: URIs and scopes never contain spaces. A client secret is kept only as
-- the SHA-256 of its 32 random bytes; public (native) apps have none.
CREATE TABLE apps (
    client_id                  TEXT PRIMARY KEY,
    secret_hash                TEXT NOT NULL DEFAULT '',
    name_hans                  TEXT NOT NULL,
    name_hant                  TEXT NOT NULL,
    name_en                    TEXT NOT NULL,
    description_hans           TEXT NOT NULL DEFAULT '',
    description_hant           TEXT NOT NULL DEFAULT '',
    description_en             TEXT NOT NULL DEFAULT '',
    owner_org                  TEXT NOT NULL REFERENCES organisations (code),
    app_type                   TEXT NOT NULL CHECK (app_type IN ('web', 'native', 'service')),
    redirect_uris              TEXT NOT NULL DEFAULT '',
    post_logout_redirect_uris  TEXT NOT NULL DEFAULT '',
    scopes                     TEXT NOT NULL,
    id_number_entitled         INTEGER NOT NULL DEFAULT 0,
    launch_url                 TEXT NOT NULL DEFAULT '',
    disabled                   INTEGER NOT NULL DEFAULT 0,
    created_at                 TIMESTAMP NOT NULL,
    updated_at                 TIMESTAMP NOT NULL
);
CREATE INDEX apps_owner ON apps (owner_org);

-- What a person allowed an app to know, per enterprise they acted for ('' for themselves). At
-- most one consent is in force per person, app and acting-for context; a revoked one stays as
-- history, and tokens issued under it stop working.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    client_id   TEXT NOT NULL REFERENCES apps (client_id),
    acting_for  TEXT NOT NULL DEFAULT '',
    scopes      TEXT NOT NULL,
    granted_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);
CREATE UNIQUE INDEX consents_in_force ON consents (account_id, client_id, acting_for) WHERE revoked_at IS NULL;

-- The OpenID Connect provider's signing keys: the public key as a JWK, and the PKCS #8 private
-- key sealed with AES-256-GCM under a key derived from the provider's secret. The newest key
-- without retire_at signs; a key being retired is still published until retire_at, so that
-- tokens it signed still verify.
CREATE TABLE oidc_signing_keys (
    id           TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL CHECK (algorithm IN ('ES256', 'EdDSA')),
    public_key   TEXT NOT NULL,
    private_key  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    retire_at    TIMESTAMP
);

-- Authorisation requests between /oidc/authorize and the code exchange. The code is stored as
-- its SHA-256 and can be redeemed once.
CREATE TABLE oidc_auth_requests (
    id                     TEXT PRIMARY KEY,
    client_id              TEXT NOT NULL REFERENCES apps (client_id),
    redirect_uri           TEXT NOT NULL,
    scopes                 TEXT NOT NULL,
    response_type          TEXT NOT NULL,
    response_mode          TEXT NOT NULL DEFAULT '',
    state                  TEXT NOT NULL DEFAULT '',
    nonce                  TEXT NOT NULL DEFAULT '',
    code_challenge         TEXT NOT NULL DEFAULT '',
    code_challenge_method  TEXT NOT NULL DEFAULT '',
    created_at             TIMESTAMP NOT NULL,
    expires_at             TIMESTAMP NOT NULL,
    done                   INTEGER NOT NULL DEFAULT 0,
    account_id             INTEGER REFERENCES accounts (id),
    acting_for             TEXT NOT NULL DEFAULT '',
    acting_for_name        TEXT NOT NULL DEFAULT '',
    consent_id             INTEGER REFERENCES consents (id),
    auth_time              TIMESTAMP,
    code_hash              TEXT UNIQUE
);
CREATE INDEX oidc_auth_requests_expiry ON oidc_auth_requests (expires_at);

-- Refresh tokens, stored as their SHA-256. Each use rotates the token within its family; a
-- rotated token presented again revokes the whole family (it was stolen or replayed).
CREATE TABLE oidc_refresh_tokens (
    id               TEXT PRIMARY KEY,
    token_hash       TEXT NOT NULL UNIQUE,
    family           TEXT NOT NULL,
    client_id        TEXT NOT NULL REFERENCES apps (client_id),
    account_id       INTEGER NOT NULL REFERENCES accounts (id),
    scopes           TEXT NOT NULL,
    acting_for       TEXT NOT NULL DEFAULT '',
    acting_for_name  TEXT NOT NULL DEFAULT '',
    consent_id       INTEGER NOT NULL REFERENCES consents (id),
    auth_time        TIMESTAMP NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    rotated_at       TIMESTAMP,
    revoked_at       TIMESTAMP
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family);
CREATE INDEX oidc_refresh_tokens_account ON oidc_refresh_tokens (account_id, client_id);

-- Access tokens (opaque to apps: the token is the encrypted id). A client's own token (client
-- credentials) has no account and no consent.
CREATE TABLE oidc_access_tokens (
    id               TEXT PRIMARY KEY,
    client_id        TEXT NOT NULL REFERENCES apps (client_id),
    account_id       INTEGER REFERENCES accounts (id),
    scopes           TEXT NOT NULL,
    acting_for       TEXT NOT NULL DEFAULT '',
    acting_for_name  TEXT NOT NULL DEFAULT '',
    consent_id       INTEGER REFERENCES consents (id),
    family           TEXT NOT NULL DEFAULT '',
    auth_time        TIMESTAMP,
    created_at       TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    revoked_at       TIMESTAMP
);
CREATE INDEX oidc_access_tokens_account ON oidc_access_tokens (account_id, client_id);
CREATE INDEX oidc_access_tokens_family ON oidc_access_tokens (family);
CREATE INDEX oidc_access_tokens_expiry ON oidc_access_tokens (expires_at);

-- +goose Down
DROP TABLE oidc_access_tokens;
DROP TABLE oidc_refresh_tokens;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_signing_keys;
DROP TABLE consents;
DROP TABLE apps;
