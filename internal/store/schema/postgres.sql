-- The current schema, generated from the migrations by TestSchemaCommitted. Do not edit.

TABLE access_tokens (
    id bigint NOT NULL
    account_id bigint NOT NULL
    name text NOT NULL
    prefix text NOT NULL
    token_hash text NOT NULL
    scopes text NOT NULL
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    last_used_at timestamp with time zone
    revoked_at timestamp with time zone
);

TABLE account_roles (
    account_id bigint NOT NULL
    role text NOT NULL
);

TABLE accounts (
    id bigint NOT NULL
    login text NOT NULL
    kind text NOT NULL
    display_name text NOT NULL
    org_code text
    password_hash text NOT NULL
    disabled integer NOT NULL DEFAULT 0
    created_at timestamp with time zone NOT NULL
    phone text
    id_type text
    id_number text
    real_name_level integer NOT NULL DEFAULT 0
    totp_secret text
    totp_enabled integer NOT NULL DEFAULT 0
    totp_last_step integer NOT NULL DEFAULT 0
    failed_logins integer NOT NULL DEFAULT 0
    locked_until timestamp with time zone
);

TABLE agent_authorisations (
    id bigint NOT NULL
    credit_code text NOT NULL
    agent_account_id bigint NOT NULL
    scopes text NOT NULL
    valid_from timestamp with time zone NOT NULL
    valid_until timestamp with time zone NOT NULL
    granted_by bigint NOT NULL
    granted_at timestamp with time zone NOT NULL
    revoked_at timestamp with time zone
    revoked_by bigint
);

TABLE apps (
    client_id text NOT NULL
    secret_hash text NOT NULL DEFAULT ''::text
    name_hans text NOT NULL
    name_hant text NOT NULL
    name_en text NOT NULL
    description_hans text NOT NULL DEFAULT ''::text
    description_hant text NOT NULL DEFAULT ''::text
    description_en text NOT NULL DEFAULT ''::text
    owner_org text NOT NULL
    app_type text NOT NULL
    redirect_uris text NOT NULL DEFAULT ''::text
    post_logout_redirect_uris text NOT NULL DEFAULT ''::text
    scopes text NOT NULL
    id_number_entitled boolean NOT NULL DEFAULT false
    launch_url text NOT NULL DEFAULT ''::text
    disabled boolean NOT NULL DEFAULT false
    created_at timestamp with time zone NOT NULL
    updated_at timestamp with time zone NOT NULL
);

TABLE audit_events (
    id bigint NOT NULL
    at timestamp with time zone NOT NULL
    actor text NOT NULL
    action text NOT NULL
    object_type text NOT NULL
    object_id text NOT NULL
    before_digest text NOT NULL DEFAULT ''::text
    after_digest text NOT NULL DEFAULT ''::text
    request_id text NOT NULL DEFAULT ''::text
    detail text NOT NULL DEFAULT ''::text
);

TABLE blobs (
    sha256 text NOT NULL
    size bigint NOT NULL
    content_type text NOT NULL
    data bytea NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE calendar_overrides (
    day text NOT NULL
    kind text NOT NULL
    reason text NOT NULL
    created_by text NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE certificates (
    serial text NOT NULL
    issuer_serial text NOT NULL
    key_id text NOT NULL
    org_code text NOT NULL
    kind text NOT NULL
    family text NOT NULL
    subject text NOT NULL
    not_before timestamp with time zone NOT NULL
    not_after timestamp with time zone NOT NULL
    status text NOT NULL
    revoked_at timestamp with time zone
    reason text NOT NULL DEFAULT ''::text
    der bytea NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE consents (
    id bigint NOT NULL
    account_id bigint NOT NULL
    client_id text NOT NULL
    acting_for text NOT NULL DEFAULT ''::text
    scopes text NOT NULL
    granted_at timestamp with time zone NOT NULL
    revoked_at timestamp with time zone
);

TABLE enterprises (
    credit_code text NOT NULL
    name text NOT NULL
    region_code text NOT NULL
    owner_account_id bigint NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE event_consumers (
    name text NOT NULL
    pattern text NOT NULL
    created_at timestamp with time zone NOT NULL
    updated_at timestamp with time zone NOT NULL
);

TABLE event_deliveries (
    consumer text NOT NULL
    event_id bigint NOT NULL
    state text NOT NULL DEFAULT 'pending'::text
    attempts integer NOT NULL DEFAULT 0
    next_attempt_ms bigint NOT NULL DEFAULT 0
    last_error text NOT NULL DEFAULT ''::text
    last_attempt_at timestamp with time zone
);

TABLE events (
    id bigint NOT NULL
    topic text NOT NULL
    payload text NOT NULL
    request_id text NOT NULL DEFAULT ''::text
    created_at timestamp with time zone NOT NULL
);

TABLE key_data_keys (
    id text NOT NULL
    purpose text NOT NULL
    algorithm text NOT NULL
    wrapped bytea NOT NULL
    master_key_id text NOT NULL
    created_at timestamp with time zone NOT NULL
    retired_at timestamp with time zone
);

TABLE ledger_checkpoints (
    size bigint NOT NULL
    root_hash bytea NOT NULL
    note text NOT NULL
    verifier_key text NOT NULL
    signed_at timestamp with time zone NOT NULL
);

TABLE ledger_cosignatures (
    size bigint NOT NULL
    witness text NOT NULL
    signature text NOT NULL
    received_at timestamp with time zone NOT NULL
);

TABLE ledger_entries (
    idx bigint NOT NULL
    version integer NOT NULL
    type text NOT NULL
    digest text NOT NULL
    org text NOT NULL DEFAULT ''::text
    subject text NOT NULL DEFAULT ''::text
    at timestamp with time zone NOT NULL
);

TABLE ledger_hashes (
    id bigint NOT NULL
    hash bytea NOT NULL
);

TABLE ledger_head (
    id integer NOT NULL
    size bigint NOT NULL
);

TABLE ledger_witness_evidence (
    id bigint NOT NULL
    origin text NOT NULL
    old_size bigint NOT NULL
    size bigint NOT NULL
    reason text NOT NULL
    request text NOT NULL
    known text NOT NULL
    received_at timestamp with time zone NOT NULL
);

TABLE ledger_witness_state (
    origin text NOT NULL
    size bigint NOT NULL
    root_hash bytea NOT NULL
    checkpoint text NOT NULL
    updated_at timestamp with time zone NOT NULL
);

TABLE login_history (
    id bigint NOT NULL
    account_id bigint
    method text NOT NULL
    outcome text NOT NULL
    client_ip text NOT NULL DEFAULT ''::text
    user_agent text NOT NULL DEFAULT ''::text
    at timestamp with time zone NOT NULL
);

TABLE message_outbox (
    id bigint NOT NULL
    channel text NOT NULL
    recipient text NOT NULL
    body text NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE oidc_access_tokens (
    id text NOT NULL
    client_id text NOT NULL
    account_id bigint
    scopes text NOT NULL
    acting_for text NOT NULL DEFAULT ''::text
    acting_for_name text NOT NULL DEFAULT ''::text
    consent_id bigint
    family text NOT NULL DEFAULT ''::text
    auth_time timestamp with time zone
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    revoked_at timestamp with time zone
);

TABLE oidc_auth_requests (
    id text NOT NULL
    client_id text NOT NULL
    redirect_uri text NOT NULL
    scopes text NOT NULL
    response_type text NOT NULL
    response_mode text NOT NULL DEFAULT ''::text
    state text NOT NULL DEFAULT ''::text
    nonce text NOT NULL DEFAULT ''::text
    code_challenge text NOT NULL DEFAULT ''::text
    code_challenge_method text NOT NULL DEFAULT ''::text
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    done boolean NOT NULL DEFAULT false
    account_id bigint
    acting_for text NOT NULL DEFAULT ''::text
    acting_for_name text NOT NULL DEFAULT ''::text
    consent_id bigint
    auth_time timestamp with time zone
    code_hash text
);

TABLE oidc_refresh_tokens (
    id text NOT NULL
    token_hash text NOT NULL
    family text NOT NULL
    client_id text NOT NULL
    account_id bigint NOT NULL
    scopes text NOT NULL
    acting_for text NOT NULL DEFAULT ''::text
    acting_for_name text NOT NULL DEFAULT ''::text
    consent_id bigint NOT NULL
    auth_time timestamp with time zone NOT NULL
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    rotated_at timestamp with time zone
    revoked_at timestamp with time zone
);

TABLE oidc_signing_keys (
    id text NOT NULL
    algorithm text NOT NULL
    public_key text NOT NULL
    private_key text NOT NULL
    created_at timestamp with time zone NOT NULL
    retire_at timestamp with time zone
);

TABLE one_time_codes (
    id bigint NOT NULL
    account_id bigint
    recipient text NOT NULL
    purpose text NOT NULL
    code_hash text NOT NULL
    attempts integer NOT NULL DEFAULT 0
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    used_at timestamp with time zone
);

TABLE organisation_aliases (
    alias text NOT NULL
    org_code text NOT NULL
);

TABLE organisations (
    code text NOT NULL
    kind text NOT NULL
    name_hans text NOT NULL
    name_hant text NOT NULL
    name_en text NOT NULL
    region_code text NOT NULL
    parent_code text
    created_at timestamp with time zone NOT NULL
    updated_at timestamp with time zone NOT NULL
);

TABLE pki_crls (
    issuer_serial text NOT NULL
    number bigint NOT NULL
    der bytea
    this_update timestamp with time zone
    next_update timestamp with time zone
);

TABLE plan_assignments (
    item_id bigint NOT NULL
    org_code text NOT NULL
    lead boolean NOT NULL DEFAULT false
);

TABLE plan_damage (
    item_id bigint NOT NULL
    position integer NOT NULL
    char_offset integer NOT NULL
    text text NOT NULL
);

TABLE plan_documents (
    id bigint NOT NULL
    number text NOT NULL
    title text NOT NULL
    issuer text NOT NULL
    issued_on text NOT NULL
    preamble text NOT NULL
    source_sha256 text NOT NULL
    revision integer NOT NULL
    imported_at timestamp with time zone NOT NULL
    updated_at timestamp with time zone NOT NULL
);

TABLE plan_item_units (
    item_id bigint NOT NULL
    position integer NOT NULL
    grp integer NOT NULL
    raw text NOT NULL
    name text NOT NULL
    org_code text
    collective boolean NOT NULL DEFAULT false
    lead boolean NOT NULL DEFAULT false
);

TABLE plan_items (
    id bigint NOT NULL
    document_id bigint NOT NULL
    section_id bigint NOT NULL
    ordinal integer NOT NULL
    label text NOT NULL
    heading text NOT NULL
    body text NOT NULL
    deadline text NOT NULL
    status text NOT NULL DEFAULT 'not_started'::text
    progress integer NOT NULL DEFAULT 0
);

TABLE plan_report_attachments (
    report_id bigint NOT NULL
    sha256 text NOT NULL
    filename text NOT NULL
);

TABLE plan_report_figures (
    report_id bigint NOT NULL
    target_id bigint NOT NULL
    value double precision NOT NULL
);

TABLE plan_reports (
    id bigint NOT NULL
    item_id bigint NOT NULL
    org_code text NOT NULL
    reporter text NOT NULL
    submitted_at timestamp with time zone NOT NULL
    body text NOT NULL
    progress integer NOT NULL
    status text NOT NULL DEFAULT 'submitted'::text
    reviewer text NOT NULL DEFAULT ''::text
    reviewed_at timestamp with time zone
    review_comment text NOT NULL DEFAULT ''::text
);

TABLE plan_revisions (
    document_id bigint NOT NULL
    revision integer NOT NULL
    source_sha256 text NOT NULL
    imported_at timestamp with time zone NOT NULL
    imported_by text NOT NULL
    changes text NOT NULL
);

TABLE plan_sections (
    id bigint NOT NULL
    document_id bigint NOT NULL
    ordinal integer NOT NULL
    label text NOT NULL
    title text NOT NULL
);

TABLE plan_targets (
    id bigint NOT NULL
    item_id bigint NOT NULL
    position integer NOT NULL
    value double precision NOT NULL
    unit text NOT NULL
    subject text NOT NULL
    source text NOT NULL
    at_least boolean NOT NULL DEFAULT false
    reached double precision NOT NULL DEFAULT 0
);

TABLE population_registry (
    id_type text NOT NULL
    id_number text NOT NULL
    name text NOT NULL
);

TABLE real_name_verifications (
    id bigint NOT NULL
    account_id bigint NOT NULL
    level integer NOT NULL
    method text NOT NULL
    verified_by bigint
    org_code text
    place text NOT NULL DEFAULT ''::text
    at timestamp with time zone NOT NULL
);

TABLE seal_signatures (
    id text NOT NULL
    seal_id text NOT NULL
    org_code text NOT NULL
    signer text NOT NULL
    format text NOT NULL
    document_sha256 text NOT NULL
    signature_sha256 text NOT NULL
    document_name text NOT NULL DEFAULT ''::text
    reason text NOT NULL DEFAULT ''::text
    signed_at timestamp with time zone NOT NULL
    ledger_index bigint
);

TABLE seals (
    id text NOT NULL
    code text NOT NULL
    org_code text NOT NULL
    kind text NOT NULL
    name text NOT NULL
    algorithm text NOT NULL
    image_sha256 text NOT NULL
    width_mm integer NOT NULL
    height_mm integer NOT NULL
    valid_from timestamp with time zone NOT NULL
    valid_to timestamp with time zone NOT NULL
    status text NOT NULL
    key_id text
    cert_serial text
    seal_der bytea
    requested_by text NOT NULL
    requested_at timestamp with time zone NOT NULL
    decided_by text
    decided_at timestamp with time zone
    reject_reason text NOT NULL DEFAULT ''::text
    revoke_requested_by text
    revoke_requested_at timestamp with time zone
    revoke_reason text NOT NULL DEFAULT ''::text
    revoked_by text
    revoked_at timestamp with time zone
);

TABLE sessions (
    token_hash text NOT NULL
    account_id bigint NOT NULL
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    pending_totp integer NOT NULL DEFAULT 0
    acting_for text
    attempts integer NOT NULL DEFAULT 0
);

TABLE signing_keys (
    id text NOT NULL
    org_code text NOT NULL
    purpose text NOT NULL
    algorithm text NOT NULL
    provider text NOT NULL
    public_key bytea NOT NULL
    key_ref bytea NOT NULL
    data_key_id text
    status text NOT NULL
    created_at timestamp with time zone NOT NULL
    retire_at timestamp with time zone
    retired_at timestamp with time zone
    replaced_by text
    uses bigint NOT NULL DEFAULT 0
    last_used_at timestamp with time zone
);

TABLE tsa_tokens (
    serial bigint NOT NULL
    hash_algorithm text NOT NULL
    digest text NOT NULL
    policy text NOT NULL
    tsa_certificate text NOT NULL
    issued_at timestamp with time zone NOT NULL
);

CREATE INDEX access_tokens_account ON access_tokens USING btree (account_id);
CREATE UNIQUE INDEX access_tokens_pkey ON access_tokens USING btree (id);
CREATE UNIQUE INDEX access_tokens_token_hash_key ON access_tokens USING btree (token_hash);
CREATE UNIQUE INDEX account_roles_pkey ON account_roles USING btree (account_id, role);
CREATE UNIQUE INDEX accounts_id_document ON accounts USING btree (id_type, id_number) WHERE (id_number IS NOT NULL);
CREATE UNIQUE INDEX accounts_login_key ON accounts USING btree (login);
CREATE UNIQUE INDEX accounts_phone ON accounts USING btree (phone) WHERE (phone IS NOT NULL);
CREATE UNIQUE INDEX accounts_pkey ON accounts USING btree (id);
CREATE INDEX agent_authorisations_agent ON agent_authorisations USING btree (agent_account_id);
CREATE INDEX agent_authorisations_enterprise ON agent_authorisations USING btree (credit_code);
CREATE UNIQUE INDEX agent_authorisations_pkey ON agent_authorisations USING btree (id);
CREATE INDEX apps_owner ON apps USING btree (owner_org);
CREATE UNIQUE INDEX apps_pkey ON apps USING btree (client_id);
CREATE INDEX audit_events_object ON audit_events USING btree (object_type, object_id);
CREATE UNIQUE INDEX audit_events_pkey ON audit_events USING btree (id);
CREATE UNIQUE INDEX blobs_pkey ON blobs USING btree (sha256);
CREATE UNIQUE INDEX calendar_overrides_pkey ON calendar_overrides USING btree (day);
CREATE INDEX certificates_issuer ON certificates USING btree (issuer_serial, status);
CREATE INDEX certificates_key ON certificates USING btree (key_id);
CREATE UNIQUE INDEX certificates_one_org_ca ON certificates USING btree (key_id, issuer_serial) WHERE ((kind = 'org-ca'::text) AND (status = 'good'::text));
CREATE UNIQUE INDEX certificates_one_root ON certificates USING btree (key_id) WHERE ((kind = 'root'::text) AND (status = 'good'::text));
CREATE INDEX certificates_org ON certificates USING btree (org_code, kind);
CREATE UNIQUE INDEX certificates_pkey ON certificates USING btree (serial);
CREATE UNIQUE INDEX consents_in_force ON consents USING btree (account_id, client_id, acting_for) WHERE (revoked_at IS NULL);
CREATE UNIQUE INDEX consents_pkey ON consents USING btree (id);
CREATE INDEX enterprises_owner ON enterprises USING btree (owner_account_id);
CREATE UNIQUE INDEX enterprises_pkey ON enterprises USING btree (credit_code);
CREATE UNIQUE INDEX event_consumers_pkey ON event_consumers USING btree (name);
CREATE INDEX event_deliveries_dead ON event_deliveries USING btree (consumer, event_id) WHERE (state = 'dead'::text);
CREATE INDEX event_deliveries_event ON event_deliveries USING btree (event_id);
CREATE UNIQUE INDEX event_deliveries_pkey ON event_deliveries USING btree (consumer, event_id);
CREATE INDEX events_created ON events USING btree (created_at);
CREATE UNIQUE INDEX events_pkey ON events USING btree (id);
CREATE UNIQUE INDEX key_data_keys_active ON key_data_keys USING btree (purpose) WHERE (retired_at IS NULL);
CREATE UNIQUE INDEX key_data_keys_pkey ON key_data_keys USING btree (id);
CREATE UNIQUE INDEX ledger_checkpoints_pkey ON ledger_checkpoints USING btree (size);
CREATE UNIQUE INDEX ledger_cosignatures_pkey ON ledger_cosignatures USING btree (size, witness);
CREATE INDEX ledger_entries_digest ON ledger_entries USING btree (digest);
CREATE UNIQUE INDEX ledger_entries_pkey ON ledger_entries USING btree (idx);
CREATE UNIQUE INDEX ledger_hashes_pkey ON ledger_hashes USING btree (id);
CREATE UNIQUE INDEX ledger_head_pkey ON ledger_head USING btree (id);
CREATE INDEX ledger_witness_evidence_origin ON ledger_witness_evidence USING btree (origin);
CREATE UNIQUE INDEX ledger_witness_evidence_pkey ON ledger_witness_evidence USING btree (id);
CREATE UNIQUE INDEX ledger_witness_state_pkey ON ledger_witness_state USING btree (origin);
CREATE INDEX login_history_account ON login_history USING btree (account_id, at);
CREATE UNIQUE INDEX login_history_pkey ON login_history USING btree (id);
CREATE UNIQUE INDEX message_outbox_pkey ON message_outbox USING btree (id);
CREATE INDEX oidc_access_tokens_account ON oidc_access_tokens USING btree (account_id, client_id);
CREATE INDEX oidc_access_tokens_expiry ON oidc_access_tokens USING btree (expires_at);
CREATE INDEX oidc_access_tokens_family ON oidc_access_tokens USING btree (family);
CREATE UNIQUE INDEX oidc_access_tokens_pkey ON oidc_access_tokens USING btree (id);
CREATE UNIQUE INDEX oidc_auth_requests_code_hash_key ON oidc_auth_requests USING btree (code_hash);
CREATE INDEX oidc_auth_requests_expiry ON oidc_auth_requests USING btree (expires_at);
CREATE UNIQUE INDEX oidc_auth_requests_pkey ON oidc_auth_requests USING btree (id);
CREATE INDEX oidc_refresh_tokens_account ON oidc_refresh_tokens USING btree (account_id, client_id);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens USING btree (family);
CREATE UNIQUE INDEX oidc_refresh_tokens_pkey ON oidc_refresh_tokens USING btree (id);
CREATE UNIQUE INDEX oidc_refresh_tokens_token_hash_key ON oidc_refresh_tokens USING btree (token_hash);
CREATE UNIQUE INDEX oidc_signing_keys_pkey ON oidc_signing_keys USING btree (id);
CREATE UNIQUE INDEX one_time_codes_pkey ON one_time_codes USING btree (id);
CREATE INDEX one_time_codes_recipient ON one_time_codes USING btree (recipient, purpose, created_at);
CREATE UNIQUE INDEX organisation_aliases_pkey ON organisation_aliases USING btree (alias);
CREATE UNIQUE INDEX organisations_pkey ON organisations USING btree (code);
CREATE UNIQUE INDEX pki_crls_pkey ON pki_crls USING btree (issuer_serial);
CREATE INDEX plan_assignments_org ON plan_assignments USING btree (org_code);
CREATE UNIQUE INDEX plan_assignments_pkey ON plan_assignments USING btree (item_id, org_code);
CREATE UNIQUE INDEX plan_damage_pkey ON plan_damage USING btree (item_id, "position");
CREATE UNIQUE INDEX plan_documents_number_key ON plan_documents USING btree (number);
CREATE UNIQUE INDEX plan_documents_pkey ON plan_documents USING btree (id);
CREATE INDEX plan_item_units_org ON plan_item_units USING btree (org_code);
CREATE UNIQUE INDEX plan_item_units_pkey ON plan_item_units USING btree (item_id, "position");
CREATE UNIQUE INDEX plan_items_document_id_ordinal_key ON plan_items USING btree (document_id, ordinal);
CREATE UNIQUE INDEX plan_items_pkey ON plan_items USING btree (id);
CREATE UNIQUE INDEX plan_report_attachments_pkey ON plan_report_attachments USING btree (report_id, sha256);
CREATE UNIQUE INDEX plan_report_figures_pkey ON plan_report_figures USING btree (report_id, target_id);
CREATE INDEX plan_reports_item ON plan_reports USING btree (item_id);
CREATE INDEX plan_reports_org ON plan_reports USING btree (org_code);
CREATE UNIQUE INDEX plan_reports_pkey ON plan_reports USING btree (id);
CREATE UNIQUE INDEX plan_revisions_pkey ON plan_revisions USING btree (document_id, revision);
CREATE UNIQUE INDEX plan_sections_document_id_ordinal_key ON plan_sections USING btree (document_id, ordinal);
CREATE UNIQUE INDEX plan_sections_pkey ON plan_sections USING btree (id);
CREATE UNIQUE INDEX plan_targets_item_id_position_key ON plan_targets USING btree (item_id, "position");
CREATE UNIQUE INDEX plan_targets_pkey ON plan_targets USING btree (id);
CREATE UNIQUE INDEX population_registry_pkey ON population_registry USING btree (id_type, id_number);
CREATE INDEX real_name_verifications_account ON real_name_verifications USING btree (account_id);
CREATE UNIQUE INDEX real_name_verifications_pkey ON real_name_verifications USING btree (id);
CREATE INDEX seal_signatures_doc ON seal_signatures USING btree (document_sha256);
CREATE UNIQUE INDEX seal_signatures_pkey ON seal_signatures USING btree (id);
CREATE INDEX seal_signatures_seal ON seal_signatures USING btree (seal_id, signed_at);
CREATE INDEX seals_cert ON seals USING btree (cert_serial);
CREATE UNIQUE INDEX seals_code_key ON seals USING btree (code);
CREATE INDEX seals_org ON seals USING btree (org_code, status);
CREATE UNIQUE INDEX seals_pkey ON seals USING btree (id);
CREATE INDEX sessions_account ON sessions USING btree (account_id);
CREATE UNIQUE INDEX sessions_pkey ON sessions USING btree (token_hash);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys USING btree (org_code, purpose, algorithm) WHERE (status = 'active'::text);
CREATE INDEX signing_keys_org ON signing_keys USING btree (org_code, purpose);
CREATE UNIQUE INDEX signing_keys_pkey ON signing_keys USING btree (id);
CREATE INDEX tsa_tokens_digest ON tsa_tokens USING btree (digest);
CREATE INDEX tsa_tokens_issued ON tsa_tokens USING btree (issued_at);
CREATE UNIQUE INDEX tsa_tokens_pkey ON tsa_tokens USING btree (serial);
