-- The current schema, generated from the migrations by TestSchemaCommitted. Do not edit.

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

CREATE TABLE account_roles (
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    role        TEXT NOT NULL,
    PRIMARY KEY (account_id, role)
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
, phone TEXT, id_type TEXT, id_number TEXT, real_name_level INTEGER NOT NULL DEFAULT 0, totp_secret TEXT, totp_enabled INTEGER NOT NULL DEFAULT 0, totp_last_step INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TIMESTAMP);

CREATE TABLE acquirer_keys (
    id           TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    public_key   BLOB NOT NULL,
    private_key  BLOB NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE acquirer_merchants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret      BLOB NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE acquirer_nonces (
    merchant_id  TEXT NOT NULL REFERENCES acquirer_merchants (id),
    nonce        TEXT NOT NULL,
    expires_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (merchant_id, nonce)
);

CREATE TABLE acquirer_notifications (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    notify_id        TEXT NOT NULL,
    merchant_id      TEXT NOT NULL REFERENCES acquirer_merchants (id),
    payment_id       TEXT NOT NULL REFERENCES acquirer_payments (id),
    url              TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'held', 'delivered', 'dropped', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMP NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMP NOT NULL,
    delivered_at     TIMESTAMP
);

CREATE TABLE acquirer_payments (
    id            TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES acquirer_merchants (id),
    out_trade_no  TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    subject       TEXT NOT NULL,
    payee         TEXT NOT NULL DEFAULT '',
    notify_url    TEXT NOT NULL,
    return_url    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'closed')),
    method        TEXT NOT NULL DEFAULT '',
    refunded_fen  BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    paid_at       TIMESTAMP,
    closed_at     TIMESTAMP,
    UNIQUE (merchant_id, out_trade_no)
);

CREATE TABLE acquirer_refunds (
    id             TEXT PRIMARY KEY,
    payment_id     TEXT NOT NULL REFERENCES acquirer_payments (id),
    merchant_id    TEXT NOT NULL REFERENCES acquirer_merchants (id),
    out_refund_no  TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    reason         TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
    notify_url     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP,
    UNIQUE (merchant_id, out_refund_no)
);

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

CREATE TABLE blobs (
    sha256        TEXT PRIMARY KEY,
    size          INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    data          BLOB NOT NULL,
    created_at    TIMESTAMP NOT NULL
);

CREATE TABLE calendar_overrides (
    day         TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    kind        TEXT NOT NULL CHECK (kind IN ('workday', 'holiday')),
    reason      TEXT NOT NULL CHECK (reason <> ''),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE case_events (
    id        INTEGER PRIMARY KEY,
    case_id   TEXT NOT NULL REFERENCES cases (id),
    at        TIMESTAMP NOT NULL,
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    party     TEXT NOT NULL CHECK (party IN ('applicant', 'official', 'system', 'remote')),
    org       TEXT NOT NULL DEFAULT '',
    internal  INTEGER NOT NULL DEFAULT 0,
    note      TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE "case_materials" (
    case_id      TEXT NOT NULL REFERENCES cases (id),
    code         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('provided', 'to_fetch', 'requested', 'from_licence', 'unavailable')),
    blob_sha256  TEXT REFERENCES blobs (sha256),
    file_name    TEXT NOT NULL DEFAULT '',
    format       TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    added_by     TEXT NOT NULL,
    added_at     TIMESTAMP NOT NULL,
    licence_id   TEXT NOT NULL DEFAULT '',
    licence      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, code)
);

CREATE TABLE case_procedures (
    id          INTEGER PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL CHECK (kind IN ('hearing', 'expert_review', 'inspection', 'testing', 'public_notice')),
    note        TEXT NOT NULL DEFAULT '',
    started_by  TEXT NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    ended_by    TEXT,
    ended_at    TIMESTAMP,
    result      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE case_sequence (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  INTEGER NOT NULL
);

CREATE TABLE case_specs (
    sha256      TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE case_supplements (
    id            INTEGER PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    materials     TEXT NOT NULL,
    note          TEXT NOT NULL,
    during        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  TIMESTAMP NOT NULL,
    resolved_at   TIMESTAMP
);

CREATE TABLE cases (
    id                TEXT PRIMARY KEY,
    number            TEXT UNIQUE,
    query_hash        TEXT NOT NULL DEFAULT '',
    parent_id         TEXT REFERENCES cases (id),
    bundle_code       TEXT NOT NULL DEFAULT '',
    bundle_version    INTEGER NOT NULL DEFAULT 0,
    item_code         TEXT NOT NULL DEFAULT '',
    item_version      INTEGER NOT NULL DEFAULT 0,
    name_hans         TEXT NOT NULL,
    name_hant         TEXT NOT NULL,
    name_en           TEXT NOT NULL,
    spec_sha256       TEXT NOT NULL REFERENCES case_specs (sha256),
    handling_org      TEXT NOT NULL DEFAULT '',
    receiving_org     TEXT NOT NULL DEFAULT '',
    channel           TEXT NOT NULL CHECK (channel IN ('online', 'window', 'kiosk')),
    applicant_account INTEGER NOT NULL REFERENCES accounts (id),
    applicant_kind    TEXT NOT NULL CHECK (applicant_kind IN ('person', 'enterprise')),
    acting_for        TEXT NOT NULL DEFAULT '',
    applicant_name    TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'supplement_requested', 'accepted',
                          'reviewed', 'awaiting_payment', 'approved', 'denied', 'completed', 'not_accepted',
                          'withdrawn', 'transferred', 'in_progress')),
    resume_status     TEXT NOT NULL DEFAULT '',
    outcome           TEXT NOT NULL DEFAULT '' CHECK (outcome IN ('', 'approved', 'denied', 'partially_approved')),
    form              TEXT NOT NULL DEFAULT '{}',
    limit_days        INTEGER NOT NULL DEFAULT 0,
    legal_days        INTEGER NOT NULL DEFAULT 0,
    clock_state       TEXT NOT NULL DEFAULT 'not_started' CHECK (clock_state IN ('not_started', 'running', 'paused', 'stopped')),
    pause_reason      TEXT NOT NULL DEFAULT '',
    paused_since      TIMESTAMP,
    paused_days       INTEGER NOT NULL DEFAULT 0,
    due_on            TEXT NOT NULL DEFAULT '',
    warn_on           TEXT NOT NULL DEFAULT '',
    warned_at         TIMESTAMP,
    overdue_at        TIMESTAMP,
    clock_stopped_at  TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    submitted_at      TIMESTAMP,
    accepted_at       TIMESTAMP,
    decided_at        TIMESTAMP,
    completed_at      TIMESTAMP,
    decided_by        TEXT NOT NULL DEFAULT '',
    reasons           TEXT NOT NULL DEFAULT '',
    decision_blob     TEXT REFERENCES blobs (sha256),
    signature_blob    TEXT REFERENCES blobs (sha256),
    signature_id      TEXT NOT NULL DEFAULT '',
    seal_id           TEXT NOT NULL DEFAULT '',
    seal_name         TEXT NOT NULL DEFAULT '',
    signature_format  TEXT NOT NULL DEFAULT '',
    ledger_index      BIGINT,
    fee_order_id      TEXT NOT NULL DEFAULT '',
    paid_at           TIMESTAMP,
    delivery_method   TEXT NOT NULL DEFAULT '' CHECK (delivery_method IN ('', 'electronic', 'pickup', 'post')),
    delivered_by      TEXT NOT NULL DEFAULT '',
    transferred_to    TEXT NOT NULL DEFAULT '',
    remote_number     TEXT NOT NULL DEFAULT '',
    remote_status     TEXT NOT NULL DEFAULT ''
, licence_consent INTEGER NOT NULL DEFAULT 0, origin_node TEXT NOT NULL DEFAULT '', origin_number TEXT NOT NULL DEFAULT '', origin TEXT NOT NULL DEFAULT '');

CREATE TABLE catalog_bundle_items (
    bundle_code TEXT NOT NULL,
    item_code   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (bundle_code, item_code)
);

CREATE TABLE catalog_entries (
    kind              TEXT NOT NULL CHECK (kind IN ('item', 'bundle')),
    code              TEXT NOT NULL,
    org_code          TEXT NOT NULL REFERENCES organisations (code),
    latest_version    INTEGER NOT NULL,
    published_version INTEGER,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, code)
);

CREATE TABLE catalog_published (
    kind           TEXT NOT NULL,
    code           TEXT NOT NULL,
    version        INTEGER NOT NULL,
    org_code       TEXT NOT NULL,
    region_code    TEXT NOT NULL,
    name_hans      TEXT NOT NULL,
    name_hant      TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    item_type      TEXT NOT NULL,
    service_object TEXT NOT NULL,
    promised_days  INTEGER NOT NULL,
    visits         INTEGER NOT NULL,
    online_depth   INTEGER NOT NULL,
    fee_fen        BIGINT NOT NULL,
    item_count     INTEGER NOT NULL,
    published_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (kind, code),
    FOREIGN KEY (kind, code) REFERENCES catalog_entries (kind, code)
);

CREATE TABLE catalog_tags (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    tag  TEXT NOT NULL,
    PRIMARY KEY (kind, code, tag),
    FOREIGN KEY (kind, code) REFERENCES catalog_published (kind, code)
);

CREATE TABLE catalog_versions (
    kind          TEXT NOT NULL,
    code          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'returned', 'published', 'superseded')),
    name_hans     TEXT NOT NULL,
    name_hant     TEXT NOT NULL,
    name_en       TEXT NOT NULL,
    data          TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_by    TEXT NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    submitted_by  TEXT,
    submitted_at  TIMESTAMP,
    decided_by    TEXT,
    decided_at    TIMESTAMP,
    return_reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (kind, code, version),
    FOREIGN KEY (kind, code) REFERENCES catalog_entries (kind, code)
);

CREATE TABLE certificates (
    serial         TEXT PRIMARY KEY,
    issuer_serial  TEXT NOT NULL REFERENCES certificates (serial),
    key_id         TEXT NOT NULL REFERENCES signing_keys (id),
    org_code       TEXT NOT NULL REFERENCES organisations (code),
    kind           TEXT NOT NULL CHECK (kind IN ('root', 'org-ca', 'seal', 'signer', 'tsa')),
    family         TEXT NOT NULL CHECK (family IN ('SM2', 'ECDSA')),
    subject        TEXT NOT NULL,
    not_before     TIMESTAMP NOT NULL,
    not_after      TIMESTAMP NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('good', 'revoked')),
    revoked_at     TIMESTAMP,
    reason         TEXT NOT NULL DEFAULT '',
    der            BLOB NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);

CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    client_id   TEXT NOT NULL REFERENCES apps (client_id),
    acting_for  TEXT NOT NULL DEFAULT '',
    scopes      TEXT NOT NULL,
    granted_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP
);

CREATE TABLE enterprises (
    credit_code       TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    owner_account_id  INTEGER NOT NULL REFERENCES accounts (id),
    created_at        TIMESTAMP NOT NULL
);

CREATE TABLE event_consumers (
    name        TEXT PRIMARY KEY,
    pattern     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE event_deliveries (
    consumer         TEXT NOT NULL REFERENCES event_consumers (name) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL REFERENCES events (id),
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    last_attempt_at  TIMESTAMP,
    PRIMARY KEY (consumer, event_id)
);

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    payload     TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

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

CREATE TABLE federation_peer_snapshots (
    peer_code  TEXT PRIMARY KEY REFERENCES federation_peers (code),
    document   TEXT NOT NULL,
    digest     TEXT NOT NULL,
    fetched_at TIMESTAMP NOT NULL,
    fetched_by TEXT NOT NULL
);

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

CREATE TABLE key_data_keys (
    id             TEXT PRIMARY KEY,
    purpose        TEXT NOT NULL,
    algorithm      TEXT NOT NULL CHECK (algorithm IN ('SM4-GCM', 'AES-256-GCM')),
    wrapped        BLOB NOT NULL,
    master_key_id  TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    retired_at     TIMESTAMP
);

CREATE TABLE ledger_checkpoints (
    size          INTEGER PRIMARY KEY CHECK (size >= 0),
    root_hash     BLOB NOT NULL,
    note          TEXT NOT NULL,
    verifier_key  TEXT NOT NULL,
    signed_at     TIMESTAMP NOT NULL
);

CREATE TABLE ledger_cosignatures (
    size         INTEGER NOT NULL REFERENCES ledger_checkpoints (size),
    witness      TEXT NOT NULL,
    signature    TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (size, witness)
);

CREATE TABLE ledger_entries (
    idx      INTEGER PRIMARY KEY CHECK (idx >= 0),
    version  INTEGER NOT NULL,
    type     TEXT NOT NULL,
    digest   TEXT NOT NULL,
    org      TEXT NOT NULL DEFAULT '',
    subject  TEXT NOT NULL DEFAULT '',
    at       TIMESTAMP NOT NULL
);

CREATE TABLE ledger_hashes (
    id    INTEGER PRIMARY KEY CHECK (id >= 0),
    hash  BLOB NOT NULL
);

CREATE TABLE ledger_head (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    size  INTEGER NOT NULL CHECK (size >= 0)
);

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

CREATE TABLE ledger_witness_state (
    origin      TEXT PRIMARY KEY,
    size        INTEGER NOT NULL CHECK (size >= 0),
    root_hash   BLOB NOT NULL,
    checkpoint  TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

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

CREATE TABLE licence_history (
    id           INTEGER PRIMARY KEY,
    licence_id   TEXT NOT NULL REFERENCES licences (id),
    at           TIMESTAMP NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('issued', 'changed', 'suspended', 'reinstated', 'revoked', 'expired', 'annotated')),
    actor        TEXT NOT NULL,
    reason       TEXT NOT NULL DEFAULT '',
    ledger_index BIGINT
);

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

CREATE TABLE licence_serials (
    issuer_code TEXT NOT NULL,
    type_code   TEXT NOT NULL,
    last        BIGINT NOT NULL,
    PRIMARY KEY (issuer_code, type_code)
);

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

CREATE TABLE login_history (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER REFERENCES accounts (id),
    method      TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    client_ip   TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    at          TIMESTAMP NOT NULL
);

CREATE TABLE message_outbox (
    id          INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    body        TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE node_call_nonces (
    node    TEXT NOT NULL,
    nonce   TEXT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (node, nonce)
);

CREATE TABLE notify_deliveries (
    message_id  INTEGER NOT NULL REFERENCES notify_messages (id),
    channel     TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (message_id, channel)
);

CREATE TABLE notify_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL,
    msg_key     TEXT NOT NULL,
    args        TEXT NOT NULL DEFAULT '[]',
    link        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP
);

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

CREATE TABLE oidc_signing_keys (
    id           TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL CHECK (algorithm IN ('ES256', 'EdDSA')),
    public_key   TEXT NOT NULL,
    private_key  TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    retire_at    TIMESTAMP
);

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

CREATE TABLE organisation_aliases (
    alias     TEXT PRIMARY KEY,
    org_code  TEXT NOT NULL REFERENCES organisations (code)
);

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

CREATE TABLE payment_attempts (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES payment_orders (id),
    channel       TEXT NOT NULL,
    channel_txn   TEXT NOT NULL DEFAULT '',
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    received_fen  BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'closed')),
    method        TEXT NOT NULL DEFAULT '',
    pay_url       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL,
    succeeded_at  TIMESTAMP,
    updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE payment_callbacks (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    channel          TEXT NOT NULL,
    notification_id  TEXT NOT NULL DEFAULT '',
    dedupe_key       TEXT UNIQUE,
    kind             TEXT NOT NULL DEFAULT '',
    order_id         TEXT NOT NULL DEFAULT '',
    merchant_ref     TEXT NOT NULL DEFAULT '',
    outcome          TEXT NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'stale', 'exception', 'rejected')),
    reason           TEXT NOT NULL DEFAULT '',
    body_sha256      TEXT NOT NULL,
    body_size        INTEGER NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    signature        TEXT NOT NULL DEFAULT '',
    received_at      TIMESTAMP NOT NULL
);

CREATE TABLE payment_order_lines (
    order_id     TEXT NOT NULL REFERENCES payment_orders (id),
    line_no      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
    legal_basis  TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE payment_orders (
    id                TEXT PRIMARY KEY,
    notice_number     TEXT NOT NULL UNIQUE,
    reference_kind    TEXT NOT NULL,
    reference_id      TEXT NOT NULL,
    reference_number  TEXT NOT NULL DEFAULT '',
    org_code          TEXT NOT NULL REFERENCES organisations (code),
    payer_account     INTEGER NOT NULL REFERENCES accounts (id),
    payer_acting_for  TEXT NOT NULL DEFAULT '',
    total_fen         BIGINT NOT NULL CHECK (total_fen > 0),
    received_fen      BIGINT NOT NULL DEFAULT 0 CHECK (received_fen >= 0),
    refunded_fen      BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
    status            TEXT NOT NULL CHECK (status IN ('unpaid', 'paying', 'paid', 'partially_refunded', 'refunded',
                          'closed', 'expired', 'exception')),
    exception_reason  TEXT NOT NULL DEFAULT '',
    channel           TEXT NOT NULL DEFAULT '',
    channel_txn       TEXT NOT NULL DEFAULT '',
    method            TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    expires_at        TIMESTAMP NOT NULL,
    paid_at           TIMESTAMP,
    closed_at         TIMESTAMP,
    close_reason      TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE payment_reconciliation_items (
    report_id      TEXT NOT NULL REFERENCES payment_reconciliations (id),
    item_no        INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('missing_ours', 'missing_theirs', 'amount_differs', 'status_differs')),
    txn_kind       TEXT NOT NULL CHECK (txn_kind IN ('payment', 'refund')),
    order_id       TEXT NOT NULL DEFAULT '',
    org_code       TEXT NOT NULL DEFAULT '',
    merchant_ref   TEXT NOT NULL DEFAULT '',
    channel_ref    TEXT NOT NULL DEFAULT '',
    ours_fen       BIGINT,
    theirs_fen     BIGINT,
    ours_status    TEXT NOT NULL DEFAULT '',
    theirs_status  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, item_no)
);

CREATE TABLE payment_reconciliations (
    id                  TEXT PRIMARY KEY,
    channel             TEXT NOT NULL,
    day                 TEXT NOT NULL,
    org_code            TEXT NOT NULL DEFAULT '',
    run_by              TEXT NOT NULL,
    run_at              TIMESTAMP NOT NULL,
    statement_sha256    TEXT NOT NULL,
    statement_lines     INTEGER NOT NULL,
    matched             INTEGER NOT NULL,
    mismatched          INTEGER NOT NULL,
    ours_paid_fen       BIGINT NOT NULL,
    theirs_paid_fen     BIGINT NOT NULL,
    ours_refunded_fen   BIGINT NOT NULL,
    theirs_refunded_fen BIGINT NOT NULL
);

CREATE TABLE payment_refunds (
    id                 TEXT PRIMARY KEY,
    order_id           TEXT NOT NULL REFERENCES payment_orders (id),
    attempt_id         TEXT NOT NULL REFERENCES payment_attempts (id),
    channel            TEXT NOT NULL,
    channel_refund_id  TEXT NOT NULL DEFAULT '',
    amount_fen         BIGINT NOT NULL CHECK (amount_fen > 0),
    refunded_fen       BIGINT NOT NULL DEFAULT 0,
    reason             TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('requested', 'processing', 'succeeded', 'failed')),
    requested_by       TEXT NOT NULL,
    requested_at       TIMESTAMP NOT NULL,
    finished_at        TIMESTAMP,
    updated_at         TIMESTAMP NOT NULL
);

CREATE TABLE pki_crls (
    issuer_serial  TEXT PRIMARY KEY REFERENCES certificates (serial),
    number         BIGINT NOT NULL CHECK (number >= 0),
    der            BLOB,
    this_update    TIMESTAMP,
    next_update    TIMESTAMP
);

CREATE TABLE plan_assignments (
    item_id   INTEGER NOT NULL REFERENCES plan_items (id),
    org_code  TEXT NOT NULL REFERENCES organisations (code),
    lead      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, org_code)
);

CREATE TABLE plan_damage (
    item_id   INTEGER NOT NULL REFERENCES plan_items (id),
    position  INTEGER NOT NULL,
    char_offset INTEGER NOT NULL,
    text      TEXT NOT NULL,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE plan_documents (
    id             INTEGER PRIMARY KEY,
    number         TEXT NOT NULL UNIQUE,
    title          TEXT NOT NULL,
    issuer         TEXT NOT NULL,
    issued_on      TEXT NOT NULL,
    preamble       TEXT NOT NULL,
    source_sha256  TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    imported_at    TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);

CREATE TABLE plan_item_units (
    item_id     INTEGER NOT NULL REFERENCES plan_items (id),
    position    INTEGER NOT NULL,
    grp         INTEGER NOT NULL,
    raw         TEXT NOT NULL,
    name        TEXT NOT NULL,
    org_code    TEXT REFERENCES organisations (code),
    collective  INTEGER NOT NULL DEFAULT 0,
    lead        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, position)
);

CREATE TABLE plan_items (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES plan_documents (id),
    section_id   INTEGER NOT NULL REFERENCES plan_sections (id),
    ordinal      INTEGER NOT NULL,
    label        TEXT NOT NULL,
    heading      TEXT NOT NULL,
    body         TEXT NOT NULL,
    deadline     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'in_progress', 'completed')),
    progress     INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    UNIQUE (document_id, ordinal)
);

CREATE TABLE plan_report_attachments (
    report_id  INTEGER NOT NULL REFERENCES plan_reports (id),
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    filename   TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);

CREATE TABLE plan_report_figures (
    report_id  INTEGER NOT NULL REFERENCES plan_reports (id),
    target_id  INTEGER NOT NULL REFERENCES plan_targets (id),
    value      REAL NOT NULL,
    PRIMARY KEY (report_id, target_id)
);

CREATE TABLE plan_reports (
    id              INTEGER PRIMARY KEY,
    item_id         INTEGER NOT NULL REFERENCES plan_items (id),
    org_code        TEXT NOT NULL REFERENCES organisations (code),
    reporter        TEXT NOT NULL,
    submitted_at    TIMESTAMP NOT NULL,
    body            TEXT NOT NULL,
    progress        INTEGER NOT NULL CHECK (progress BETWEEN 0 AND 100),
    status          TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'accepted', 'returned')),
    reviewer        TEXT NOT NULL DEFAULT '',
    reviewed_at     TIMESTAMP,
    review_comment  TEXT NOT NULL DEFAULT ''
);

CREATE TABLE plan_revisions (
    document_id    INTEGER NOT NULL REFERENCES plan_documents (id),
    revision       INTEGER NOT NULL,
    source_sha256  TEXT NOT NULL,
    imported_at    TIMESTAMP NOT NULL,
    imported_by    TEXT NOT NULL,
    changes        TEXT NOT NULL,
    PRIMARY KEY (document_id, revision)
);

CREATE TABLE plan_sections (
    id           INTEGER PRIMARY KEY,
    document_id  INTEGER NOT NULL REFERENCES plan_documents (id),
    ordinal      INTEGER NOT NULL,
    label        TEXT NOT NULL,
    title        TEXT NOT NULL,
    UNIQUE (document_id, ordinal)
);

CREATE TABLE plan_targets (
    id         INTEGER PRIMARY KEY,
    item_id    INTEGER NOT NULL REFERENCES plan_items (id),
    position   INTEGER NOT NULL,
    value      REAL NOT NULL,
    unit       TEXT NOT NULL,
    subject    TEXT NOT NULL,
    source     TEXT NOT NULL,
    at_least   INTEGER NOT NULL DEFAULT 0,
    reached    REAL NOT NULL DEFAULT 0,
    UNIQUE (item_id, position)
);

CREATE TABLE population_registry (
    id_type    TEXT NOT NULL,
    id_number  TEXT NOT NULL,
    name       TEXT NOT NULL,
    PRIMARY KEY (id_type, id_number)
);

CREATE TABLE rating_appeals (
    id            TEXT PRIMARY KEY,
    rating_id     TEXT NOT NULL UNIQUE REFERENCES ratings (id),
    org_code      TEXT NOT NULL REFERENCES organisations (code),
    reason        TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'upheld', 'rejected')),
    appealed_by   TEXT NOT NULL,
    appealed_at   TIMESTAMP NOT NULL,
    decided_by    TEXT,
    decided_at    TIMESTAMP,
    decision_note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE rating_callbacks (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES rating_tasks (id),
    caller      TEXT NOT NULL,
    called_at   TIMESTAMP NOT NULL,
    reached     INTEGER NOT NULL CHECK (reached IN (0, 1)),
    account     TEXT NOT NULL DEFAULT '',
    recorded_at TIMESTAMP NOT NULL
);

CREATE TABLE rating_tasks (
    id            TEXT PRIMARY KEY,
    rating_id     TEXT NOT NULL UNIQUE REFERENCES ratings (id),
    org_code      TEXT NOT NULL REFERENCES organisations (code),
    status        TEXT NOT NULL CHECK (status IN ('open', 'verified', 'rectified', 'closed', 'cancelled')),
    deadline_days INTEGER NOT NULL,
    opened_at     TIMESTAMP NOT NULL,
    due_at        TIMESTAMP NOT NULL,
    overdue       INTEGER NOT NULL DEFAULT 0 CHECK (overdue IN (0, 1)),
    overdue_at    TIMESTAMP,
    findings      TEXT NOT NULL DEFAULT '',
    verified_by   TEXT,
    verified_at   TIMESTAMP,
    measures      TEXT NOT NULL DEFAULT '',
    rectified_by  TEXT,
    rectified_at  TIMESTAMP,
    closing_note  TEXT NOT NULL DEFAULT '',
    closed_by     TEXT,
    closed_at     TIMESTAMP,
    cancelled_at  TIMESTAMP
);

CREATE TABLE rating_visits (
    id               TEXT PRIMARY KEY,
    code_sha256      TEXT NOT NULL UNIQUE,
    org_code         TEXT NOT NULL REFERENCES organisations (code),
    item_code        TEXT NOT NULL DEFAULT '',
    resident_account BIGINT,
    opened_by        TEXT NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    rated_at         TIMESTAMP
);

CREATE TABLE ratings (
    id               TEXT PRIMARY KEY,
    subject_kind     TEXT NOT NULL CHECK (subject_kind IN ('case', 'visit')),
    case_id          TEXT UNIQUE,
    visit_id         TEXT UNIQUE REFERENCES rating_visits (id),
    case_number      TEXT NOT NULL DEFAULT '',
    org_code         TEXT NOT NULL REFERENCES organisations (code),
    item_code        TEXT NOT NULL DEFAULT '',
    item_name        TEXT NOT NULL DEFAULT '',
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    tags             TEXT NOT NULL DEFAULT '',
    comment          TEXT NOT NULL DEFAULT '',
    follow_up        TEXT NOT NULL DEFAULT '',
    follow_up_at     TIMESTAMP,
    channel          TEXT NOT NULL CHECK (channel IN ('online', 'window', 'kiosk', 'sms')),
    real_name        INTEGER NOT NULL DEFAULT 0 CHECK (real_name IN (0, 1)),
    rater_account    BIGINT,
    rater_acting_for TEXT NOT NULL DEFAULT '',
    rated_at         TIMESTAMP NOT NULL,
    excluded         INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
    CHECK ((subject_kind = 'case' AND case_id IS NOT NULL AND visit_id IS NULL) OR
           (subject_kind = 'visit' AND visit_id IS NOT NULL AND case_id IS NULL))
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
    signed_at        TIMESTAMP NOT NULL,
    ledger_index     BIGINT
);

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
    valid_from           TIMESTAMP NOT NULL,
    valid_to             TIMESTAMP NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'rejected', 'active', 'revocation_pending', 'revoked')),
    key_id               TEXT REFERENCES signing_keys (id),
    cert_serial          TEXT,
    seal_der             BLOB,
    requested_by         TEXT NOT NULL,
    requested_at         TIMESTAMP NOT NULL,
    decided_by           TEXT,
    decided_at           TIMESTAMP,
    reject_reason        TEXT NOT NULL DEFAULT '',
    revoke_requested_by  TEXT,
    revoke_requested_at  TIMESTAMP,
    revoke_reason        TEXT NOT NULL DEFAULT '',
    revoked_by           TEXT,
    revoked_at           TIMESTAMP
);

CREATE TABLE search_documents (
    id      INTEGER PRIMARY KEY,
    kind    TEXT NOT NULL,
    doc_id  TEXT NOT NULL,
    title   TEXT NOT NULL,
    body    TEXT NOT NULL,
    UNIQUE (kind, doc_id)
);

CREATE VIRTUAL TABLE search_fts USING fts5 (title, body, content = 'search_documents', content_rowid = 'id',
    tokenize = 'unicode61');

CREATE TABLE 'search_fts_config'(k PRIMARY KEY, v) WITHOUT ROWID;

CREATE TABLE 'search_fts_data'(id INTEGER PRIMARY KEY, block BLOB);

CREATE TABLE 'search_fts_docsize'(id INTEGER PRIMARY KEY, sz BLOB);

CREATE TABLE 'search_fts_idx'(segid, term, pgno, PRIMARY KEY(segid, term)) WITHOUT ROWID;

CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    created_at    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL
, pending_totp INTEGER NOT NULL DEFAULT 0, acting_for TEXT, attempts INTEGER NOT NULL DEFAULT 0, idle_limit_seconds INTEGER CHECK (idle_limit_seconds > 0), last_seen_at TIMESTAMP);

CREATE TABLE signing_keys (
    id           TEXT PRIMARY KEY,
    org_code     TEXT NOT NULL REFERENCES organisations (code),
    purpose      TEXT NOT NULL,
    algorithm    TEXT NOT NULL CHECK (algorithm IN ('SM2', 'ECDSA-P256', 'Ed25519')),
    provider     TEXT NOT NULL,
    public_key   BLOB NOT NULL,
    key_ref      BLOB NOT NULL,
    data_key_id  TEXT REFERENCES key_data_keys (id),
    status       TEXT NOT NULL CHECK (status IN ('active', 'retiring', 'retired')),
    created_at   TIMESTAMP NOT NULL,
    retire_at    TIMESTAMP,
    retired_at   TIMESTAMP,
    replaced_by  TEXT REFERENCES signing_keys (id),
    uses         BIGINT NOT NULL DEFAULT 0,
    last_used_at TIMESTAMP
);

CREATE TABLE tsa_tokens (
    serial           INTEGER PRIMARY KEY AUTOINCREMENT,
    hash_algorithm   TEXT NOT NULL CHECK (hash_algorithm IN ('SHA-256', 'SHA-384', 'SHA-512')),
    digest           TEXT NOT NULL,
    policy           TEXT NOT NULL,
    tsa_certificate  TEXT NOT NULL,
    issued_at        TIMESTAMP NOT NULL
);

CREATE INDEX access_tokens_account ON access_tokens (account_id);

CREATE UNIQUE INDEX accounts_id_document ON accounts (id_type, id_number) WHERE id_number IS NOT NULL;

CREATE UNIQUE INDEX accounts_phone ON accounts (phone) WHERE phone IS NOT NULL;

CREATE INDEX acquirer_nonces_expiry ON acquirer_nonces (expires_at);

CREATE INDEX acquirer_notifications_due ON acquirer_notifications (status, next_attempt_at);

CREATE INDEX acquirer_notifications_payment ON acquirer_notifications (payment_id, id);

CREATE INDEX acquirer_payments_due ON acquirer_payments (status, expires_at);

CREATE INDEX acquirer_payments_paid ON acquirer_payments (merchant_id, paid_at);

CREATE INDEX acquirer_refunds_finished ON acquirer_refunds (merchant_id, finished_at);

CREATE INDEX agent_authorisations_agent ON agent_authorisations (agent_account_id);

CREATE INDEX agent_authorisations_enterprise ON agent_authorisations (credit_code);

CREATE INDEX apps_owner ON apps (owner_org);

CREATE INDEX audit_events_object ON audit_events (object_type, object_id);

CREATE INDEX case_events_case ON case_events (case_id, id);

CREATE INDEX case_procedures_case ON case_procedures (case_id, id);

CREATE INDEX case_supplements_case ON case_supplements (case_id, id);

CREATE INDEX cases_acting_for ON cases (acting_for, created_at) WHERE acting_for <> '';

CREATE INDEX cases_applicant ON cases (applicant_account, created_at);

CREATE INDEX cases_clock ON cases (warn_on, due_on) WHERE clock_state = 'running';

CREATE INDEX cases_handling ON cases (handling_org, status, updated_at);

CREATE UNIQUE INDEX cases_origin ON cases (origin_node, origin_number) WHERE origin_node <> '';

CREATE INDEX cases_parent ON cases (parent_id) WHERE parent_id IS NOT NULL;

CREATE INDEX cases_receiving ON cases (receiving_org, status, updated_at) WHERE receiving_org <> '';

CREATE INDEX catalog_bundle_items_item ON catalog_bundle_items (item_code);

CREATE INDEX catalog_entries_org ON catalog_entries (org_code, kind, code);

CREATE INDEX catalog_published_name ON catalog_published (kind, name_hans, code);

CREATE INDEX catalog_tags_tag ON catalog_tags (tag, kind, code);

CREATE INDEX catalog_versions_status ON catalog_versions (status, kind);

CREATE INDEX certificates_issuer ON certificates (issuer_serial, status);

CREATE INDEX certificates_key ON certificates (key_id);

CREATE UNIQUE INDEX certificates_one_org_ca ON certificates (key_id, issuer_serial) WHERE kind = 'org-ca' AND status = 'good';

CREATE UNIQUE INDEX certificates_one_root ON certificates (key_id) WHERE kind = 'root' AND status = 'good';

CREATE INDEX certificates_org ON certificates (org_code, kind);

CREATE UNIQUE INDEX consents_in_force ON consents (account_id, client_id, acting_for) WHERE revoked_at IS NULL;

CREATE INDEX enterprises_owner ON enterprises (owner_account_id);

CREATE INDEX event_deliveries_dead ON event_deliveries (consumer, event_id) WHERE state = 'dead';

CREATE INDEX event_deliveries_event ON event_deliveries (event_id);

CREATE INDEX events_created ON events (created_at);

CREATE UNIQUE INDEX key_data_keys_active ON key_data_keys (purpose) WHERE retired_at IS NULL;

CREATE INDEX ledger_entries_digest ON ledger_entries (digest);

CREATE INDEX ledger_witness_evidence_origin ON ledger_witness_evidence (origin);

CREATE INDEX licence_copies_licence ON licence_copies (licence_id, created_at);

CREATE INDEX licence_grants_grantee ON licence_grants (grantee_node, grantee_org, valid_until);

CREATE INDEX licence_grants_licence ON licence_grants (licence_id, created_at);

CREATE INDEX licence_history_licence ON licence_history (licence_id, id);

CREATE INDEX licence_presentations_licence ON licence_presentations (licence_id, created_at);

CREATE INDEX licence_types_org ON licence_types (org_code, code);

CREATE UNIQUE INDEX licence_types_published ON licence_types (code) WHERE status = 'published';

CREATE INDEX licence_uses_licence ON licence_uses (licence_id, id);

CREATE INDEX licences_case ON licences (case_id) WHERE case_id IS NOT NULL;

CREATE INDEX licences_expiry ON licences (valid_until) WHERE status = 'valid' AND expired_logged = 0;

CREATE INDEX licences_holder ON licences (holder_code_type, holder_code, type_code);

CREATE INDEX licences_key ON licences (key_id, id);

CREATE UNIQUE INDEX licences_serial ON licences (issuer_code, type_code, serial, version);

CREATE INDEX login_history_account ON login_history (account_id, at);

CREATE INDEX node_call_nonces_seen_at ON node_call_nonces (seen_at);

CREATE INDEX notify_messages_inbox ON notify_messages (account_id, id);

CREATE INDEX notify_messages_unread ON notify_messages (account_id) WHERE read_at IS NULL;

CREATE INDEX oidc_access_tokens_account ON oidc_access_tokens (account_id, client_id);

CREATE INDEX oidc_access_tokens_expiry ON oidc_access_tokens (expires_at);

CREATE INDEX oidc_access_tokens_family ON oidc_access_tokens (family);

CREATE INDEX oidc_auth_requests_expiry ON oidc_auth_requests (expires_at);

CREATE INDEX oidc_refresh_tokens_account ON oidc_refresh_tokens (account_id, client_id);

CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family);

CREATE INDEX one_time_codes_recipient ON one_time_codes (recipient, purpose, created_at);

CREATE INDEX payment_attempts_day ON payment_attempts (channel, succeeded_at);

CREATE INDEX payment_attempts_order ON payment_attempts (order_id, created_at);

CREATE INDEX payment_attempts_txn ON payment_attempts (channel, channel_txn);

CREATE INDEX payment_callbacks_order ON payment_callbacks (order_id, received_at);

CREATE INDEX payment_callbacks_received ON payment_callbacks (received_at);

CREATE INDEX payment_orders_acting_for ON payment_orders (payer_acting_for, created_at);

CREATE INDEX payment_orders_due ON payment_orders (status, expires_at);

CREATE INDEX payment_orders_org ON payment_orders (org_code, created_at);

CREATE INDEX payment_orders_payer ON payment_orders (payer_account, created_at);

CREATE INDEX payment_orders_reference ON payment_orders (reference_kind, reference_id);

CREATE INDEX payment_reconciliations_day ON payment_reconciliations (channel, day, run_at);

CREATE INDEX payment_refunds_day ON payment_refunds (channel, finished_at);

CREATE INDEX payment_refunds_order ON payment_refunds (order_id, requested_at);

CREATE INDEX plan_assignments_org ON plan_assignments (org_code);

CREATE INDEX plan_item_units_org ON plan_item_units (org_code);

CREATE INDEX plan_reports_item ON plan_reports (item_id);

CREATE INDEX plan_reports_org ON plan_reports (org_code);

CREATE INDEX rating_appeals_org ON rating_appeals (org_code, status);

CREATE INDEX rating_appeals_status ON rating_appeals (status, appealed_at);

CREATE INDEX rating_callbacks_task ON rating_callbacks (task_id, called_at);

CREATE INDEX rating_tasks_due ON rating_tasks (status, due_at);

CREATE INDEX rating_tasks_org ON rating_tasks (org_code, status);

CREATE INDEX rating_visits_org ON rating_visits (org_code, opened_at);

CREATE INDEX ratings_org ON ratings (org_code, rated_at);

CREATE INDEX ratings_rated_at ON ratings (rated_at);

CREATE INDEX ratings_rater ON ratings (rater_account);

CREATE INDEX real_name_verifications_account ON real_name_verifications (account_id);

CREATE INDEX seal_signatures_doc ON seal_signatures (document_sha256);

CREATE INDEX seal_signatures_seal ON seal_signatures (seal_id, signed_at);

CREATE INDEX seals_cert ON seals (cert_serial);

CREATE INDEX seals_org ON seals (org_code, status);

CREATE INDEX sessions_account ON sessions (account_id);

CREATE UNIQUE INDEX signing_keys_active ON signing_keys (org_code, purpose, algorithm) WHERE status = 'active';

CREATE INDEX signing_keys_org ON signing_keys (org_code, purpose);

CREATE INDEX tsa_tokens_digest ON tsa_tokens (digest);

CREATE INDEX tsa_tokens_issued ON tsa_tokens (issued_at);

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'ledger_checkpoints is append-only');
END;

CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'ledger_checkpoints is append-only');
END;

CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries
BEGIN
    SELECT RAISE(ABORT, 'ledger_entries is append-only');
END;

CREATE TRIGGER ledger_hashes_no_delete BEFORE DELETE ON ledger_hashes
BEGIN
    SELECT RAISE(ABORT, 'ledger_hashes is append-only');
END;

CREATE TRIGGER ledger_hashes_no_update BEFORE UPDATE ON ledger_hashes
BEGIN
    SELECT RAISE(ABORT, 'ledger_hashes is append-only');
END;

CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents
BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;

CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents
BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents
BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;

CREATE TRIGGER tsa_tokens_no_delete BEFORE DELETE ON tsa_tokens
BEGIN
    SELECT RAISE(ABORT, 'tsa_tokens is append-only');
END;

CREATE TRIGGER tsa_tokens_no_update BEFORE UPDATE ON tsa_tokens
BEGIN
    SELECT RAISE(ABORT, 'tsa_tokens is append-only');
END;

