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

TABLE acquirer_keys (
    id text NOT NULL
    algorithm text NOT NULL
    public_key bytea NOT NULL
    private_key bytea NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE acquirer_merchants (
    id text NOT NULL
    name text NOT NULL
    secret bytea NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE acquirer_nonces (
    merchant_id text NOT NULL
    nonce text NOT NULL
    expires_at timestamp with time zone NOT NULL
);

TABLE acquirer_notifications (
    id bigint NOT NULL
    notify_id text NOT NULL
    merchant_id text NOT NULL
    payment_id text NOT NULL
    url text NOT NULL
    body text NOT NULL
    status text NOT NULL
    attempts integer NOT NULL DEFAULT 0
    next_attempt_at timestamp with time zone NOT NULL
    last_error text NOT NULL DEFAULT ''::text
    created_at timestamp with time zone NOT NULL
    delivered_at timestamp with time zone
);

TABLE acquirer_payments (
    id text NOT NULL
    merchant_id text NOT NULL
    out_trade_no text NOT NULL
    amount_fen bigint NOT NULL
    subject text NOT NULL
    payee text NOT NULL DEFAULT ''::text
    notify_url text NOT NULL
    return_url text NOT NULL
    status text NOT NULL
    method text NOT NULL DEFAULT ''::text
    refunded_fen bigint NOT NULL DEFAULT 0
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    paid_at timestamp with time zone
    closed_at timestamp with time zone
);

TABLE acquirer_refunds (
    id text NOT NULL
    payment_id text NOT NULL
    merchant_id text NOT NULL
    out_refund_no text NOT NULL
    amount_fen bigint NOT NULL
    reason text NOT NULL DEFAULT ''::text
    status text NOT NULL
    notify_url text NOT NULL
    created_at timestamp with time zone NOT NULL
    finished_at timestamp with time zone
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

TABLE case_events (
    id bigint NOT NULL
    case_id text NOT NULL
    at timestamp with time zone NOT NULL
    kind text NOT NULL
    actor text NOT NULL
    party text NOT NULL
    org text NOT NULL DEFAULT ''::text
    internal integer NOT NULL DEFAULT 0
    note text NOT NULL DEFAULT ''::text
    detail text NOT NULL DEFAULT ''::text
);

TABLE case_materials (
    case_id text NOT NULL
    code text NOT NULL
    status text NOT NULL
    blob_sha256 text
    file_name text NOT NULL DEFAULT ''::text
    format text NOT NULL DEFAULT ''::text
    size bigint NOT NULL DEFAULT 0
    added_by text NOT NULL
    added_at timestamp with time zone NOT NULL
    licence_id text NOT NULL DEFAULT ''::text
    licence text NOT NULL DEFAULT ''::text
);

TABLE case_procedures (
    id bigint NOT NULL
    case_id text NOT NULL
    kind text NOT NULL
    note text NOT NULL DEFAULT ''::text
    started_by text NOT NULL
    started_at timestamp with time zone NOT NULL
    ended_by text
    ended_at timestamp with time zone
    result text NOT NULL DEFAULT ''::text
);

TABLE case_specs (
    sha256 text NOT NULL
    spec text NOT NULL
    created_at timestamp with time zone NOT NULL
);

TABLE case_supplements (
    id bigint NOT NULL
    case_id text NOT NULL
    materials text NOT NULL
    note text NOT NULL
    during text NOT NULL
    requested_by text NOT NULL
    requested_at timestamp with time zone NOT NULL
    resolved_at timestamp with time zone
);

TABLE cases (
    id text NOT NULL
    number text
    query_hash text NOT NULL DEFAULT ''::text
    parent_id text
    bundle_code text NOT NULL DEFAULT ''::text
    bundle_version integer NOT NULL DEFAULT 0
    item_code text NOT NULL DEFAULT ''::text
    item_version integer NOT NULL DEFAULT 0
    name_hans text NOT NULL
    name_hant text NOT NULL
    name_en text NOT NULL
    spec_sha256 text NOT NULL
    handling_org text NOT NULL DEFAULT ''::text
    receiving_org text NOT NULL DEFAULT ''::text
    channel text NOT NULL
    applicant_account bigint NOT NULL
    applicant_kind text NOT NULL
    acting_for text NOT NULL DEFAULT ''::text
    applicant_name text NOT NULL DEFAULT ''::text
    created_by text NOT NULL
    status text NOT NULL
    resume_status text NOT NULL DEFAULT ''::text
    outcome text NOT NULL DEFAULT ''::text
    form text NOT NULL DEFAULT '{}'::text
    limit_days integer NOT NULL DEFAULT 0
    legal_days integer NOT NULL DEFAULT 0
    clock_state text NOT NULL DEFAULT 'not_started'::text
    pause_reason text NOT NULL DEFAULT ''::text
    paused_since timestamp with time zone
    paused_days integer NOT NULL DEFAULT 0
    due_on text NOT NULL DEFAULT ''::text
    warn_on text NOT NULL DEFAULT ''::text
    warned_at timestamp with time zone
    overdue_at timestamp with time zone
    clock_stopped_at timestamp with time zone
    created_at timestamp with time zone NOT NULL
    updated_at timestamp with time zone NOT NULL
    submitted_at timestamp with time zone
    accepted_at timestamp with time zone
    decided_at timestamp with time zone
    completed_at timestamp with time zone
    decided_by text NOT NULL DEFAULT ''::text
    reasons text NOT NULL DEFAULT ''::text
    decision_blob text
    signature_blob text
    signature_id text NOT NULL DEFAULT ''::text
    seal_id text NOT NULL DEFAULT ''::text
    seal_name text NOT NULL DEFAULT ''::text
    signature_format text NOT NULL DEFAULT ''::text
    ledger_index bigint
    fee_order_id text NOT NULL DEFAULT ''::text
    paid_at timestamp with time zone
    delivery_method text NOT NULL DEFAULT ''::text
    delivered_by text NOT NULL DEFAULT ''::text
    transferred_to text NOT NULL DEFAULT ''::text
    remote_number text NOT NULL DEFAULT ''::text
    remote_status text NOT NULL DEFAULT ''::text
    licence_consent integer NOT NULL DEFAULT 0
    origin_node text NOT NULL DEFAULT ''::text
    origin_number text NOT NULL DEFAULT ''::text
    origin text NOT NULL DEFAULT ''::text
);

TABLE catalog_bundle_items (
    bundle_code text NOT NULL
    item_code text NOT NULL
    position integer NOT NULL
);

TABLE catalog_entries (
    kind text NOT NULL
    code text NOT NULL
    org_code text NOT NULL
    latest_version integer NOT NULL
    published_version integer
    created_at timestamp with time zone NOT NULL
    updated_at timestamp with time zone NOT NULL
);

TABLE catalog_published (
    kind text NOT NULL
    code text NOT NULL
    version integer NOT NULL
    org_code text NOT NULL
    region_code text NOT NULL
    name_hans text NOT NULL
    name_hant text NOT NULL
    name_en text NOT NULL
    item_type text NOT NULL
    service_object text NOT NULL
    promised_days integer NOT NULL
    visits integer NOT NULL
    online_depth integer NOT NULL
    fee_fen bigint NOT NULL
    item_count integer NOT NULL
    published_at timestamp with time zone NOT NULL
);

TABLE catalog_tags (
    kind text NOT NULL
    code text NOT NULL
    tag text NOT NULL
);

TABLE catalog_versions (
    kind text NOT NULL
    code text NOT NULL
    version integer NOT NULL
    status text NOT NULL
    name_hans text NOT NULL
    name_hant text NOT NULL
    name_en text NOT NULL
    data text NOT NULL
    created_by text NOT NULL
    created_at timestamp with time zone NOT NULL
    updated_by text NOT NULL
    updated_at timestamp with time zone NOT NULL
    submitted_by text
    submitted_at timestamp with time zone
    decided_by text
    decided_at timestamp with time zone
    return_reason text NOT NULL DEFAULT ''::text
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

TABLE federation_peer_lists (
    peer_code text NOT NULL
    version bigint NOT NULL
    document text NOT NULL
    content text NOT NULL
    digest text NOT NULL
    issued_at timestamp with time zone NOT NULL
    next_update timestamp with time zone NOT NULL
    fetched_at timestamp with time zone NOT NULL
    fetched_by text NOT NULL
    ledger_index bigint NOT NULL
);

TABLE federation_peer_snapshots (
    peer_code text NOT NULL
    document text NOT NULL
    digest text NOT NULL
    fetched_at timestamp with time zone NOT NULL
    fetched_by text NOT NULL
);

TABLE federation_peers (
    code text NOT NULL
    name text NOT NULL
    endpoint text NOT NULL
    algorithm text NOT NULL
    public_key bytea NOT NULL
    fingerprint text NOT NULL
    status text NOT NULL
    registered_by text NOT NULL
    registered_at timestamp with time zone NOT NULL
    approved_by text
    approved_at timestamp with time zone
    suspended_by text
    suspended_at timestamp with time zone
    suspend_reason text NOT NULL DEFAULT ''::text
    version bigint NOT NULL DEFAULT 0
    imported_at timestamp with time zone
);

TABLE federation_published (
    version bigint NOT NULL
    content text NOT NULL
    document text NOT NULL
    digest text NOT NULL
    key_id text NOT NULL
    issued_at timestamp with time zone NOT NULL
    next_update timestamp with time zone NOT NULL
    published_by text NOT NULL
    ledger_index bigint NOT NULL
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

TABLE licence_copies (
    id text NOT NULL
    licence_id text NOT NULL
    account_id bigint NOT NULL
    reason text NOT NULL
    use_for text NOT NULL
    expires_at timestamp with time zone NOT NULL
    credential text NOT NULL
    pdf_sha256 text
    created_at timestamp with time zone NOT NULL
    revoked_at timestamp with time zone
);

TABLE licence_grants (
    id text NOT NULL
    licence_id text NOT NULL
    account_id bigint NOT NULL
    grantee_node text NOT NULL DEFAULT ''::text
    grantee_org text NOT NULL
    purpose text NOT NULL
    valid_from timestamp with time zone NOT NULL
    valid_until timestamp with time zone NOT NULL
    created_at timestamp with time zone NOT NULL
    revoked_at timestamp with time zone
);

TABLE licence_history (
    id bigint NOT NULL
    licence_id text NOT NULL
    at timestamp with time zone NOT NULL
    kind text NOT NULL
    actor text NOT NULL
    reason text NOT NULL DEFAULT ''::text
    ledger_index bigint
);

TABLE licence_presentations (
    id text NOT NULL
    licence_id text NOT NULL
    account_id bigint NOT NULL
    fields text NOT NULL DEFAULT ''::text
    purpose text NOT NULL
    audience text NOT NULL DEFAULT ''::text
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
);

TABLE licence_serials (
    issuer_code text NOT NULL
    type_code text NOT NULL
    last bigint NOT NULL
);

TABLE licence_types (
    code text NOT NULL
    version integer NOT NULL
    status text NOT NULL
    org_code text NOT NULL
    name_hans text NOT NULL
    name_hant text NOT NULL
    name_en text NOT NULL
    holder_category text NOT NULL
    data text NOT NULL
    created_by text NOT NULL
    created_at timestamp with time zone NOT NULL
    updated_by text NOT NULL
    updated_at timestamp with time zone NOT NULL
    decided_by text
    decided_at timestamp with time zone
    return_reason text NOT NULL DEFAULT ''::text
);

TABLE licence_uses (
    id bigint NOT NULL
    licence_id text NOT NULL
    at timestamp with time zone NOT NULL
    kind text NOT NULL
    by_node text NOT NULL DEFAULT ''::text
    by_org text NOT NULL DEFAULT ''::text
    by_actor text NOT NULL DEFAULT ''::text
    purpose text NOT NULL
    presentation text NOT NULL DEFAULT ''::text
    grant_id text NOT NULL DEFAULT ''::text
    case_id text NOT NULL DEFAULT ''::text
);

TABLE licences (
    id text NOT NULL
    type_code text NOT NULL
    type_version integer NOT NULL
    serial text NOT NULL
    version text NOT NULL
    number text NOT NULL
    name_hans text NOT NULL
    issuer_org text NOT NULL
    issuer_code text NOT NULL
    issuer_name text NOT NULL
    holder_name text NOT NULL
    holder_code text NOT NULL
    holder_code_type text NOT NULL
    jurisdiction text NOT NULL
    linked_item text NOT NULL DEFAULT ''::text
    case_id text
    issued_on text NOT NULL
    valid_from text NOT NULL
    valid_until text
    status text NOT NULL
    status_reason text NOT NULL DEFAULT ''::text
    status_at timestamp with time zone NOT NULL
    expired_logged integer NOT NULL DEFAULT 0
    face text NOT NULL
    credential text NOT NULL
    disclosures bytea NOT NULL
    key_id text NOT NULL
    pdf_sha256 text
    supersedes text
    created_by text NOT NULL
    created_at timestamp with time zone NOT NULL
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

TABLE node_call_nonces (
    node text NOT NULL
    nonce text NOT NULL
    seen_at timestamp with time zone NOT NULL
);

TABLE notify_deliveries (
    message_id bigint NOT NULL
    channel text NOT NULL
    outcome text NOT NULL
    at timestamp with time zone NOT NULL
);

TABLE notify_messages (
    id bigint NOT NULL
    account_id bigint NOT NULL
    msg_key text NOT NULL
    args text NOT NULL DEFAULT '[]'::text
    link text NOT NULL DEFAULT ''::text
    created_at timestamp with time zone NOT NULL
    read_at timestamp with time zone
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

TABLE payment_attempts (
    id text NOT NULL
    order_id text NOT NULL
    channel text NOT NULL
    channel_txn text NOT NULL DEFAULT ''::text
    amount_fen bigint NOT NULL
    received_fen bigint NOT NULL DEFAULT 0
    status text NOT NULL
    method text NOT NULL DEFAULT ''::text
    pay_url text NOT NULL DEFAULT ''::text
    created_at timestamp with time zone NOT NULL
    succeeded_at timestamp with time zone
    updated_at timestamp with time zone NOT NULL
);

TABLE payment_callbacks (
    id bigint NOT NULL
    channel text NOT NULL
    notification_id text NOT NULL DEFAULT ''::text
    dedupe_key text
    kind text NOT NULL DEFAULT ''::text
    order_id text NOT NULL DEFAULT ''::text
    merchant_ref text NOT NULL DEFAULT ''::text
    outcome text NOT NULL
    reason text NOT NULL DEFAULT ''::text
    body_sha256 text NOT NULL
    body_size integer NOT NULL
    body text NOT NULL DEFAULT ''::text
    signature text NOT NULL DEFAULT ''::text
    received_at timestamp with time zone NOT NULL
);

TABLE payment_order_lines (
    order_id text NOT NULL
    line_no integer NOT NULL
    name text NOT NULL
    amount_fen bigint NOT NULL
    legal_basis text NOT NULL
);

TABLE payment_orders (
    id text NOT NULL
    notice_number text NOT NULL
    reference_kind text NOT NULL
    reference_id text NOT NULL
    reference_number text NOT NULL DEFAULT ''::text
    org_code text NOT NULL
    payer_account bigint NOT NULL
    payer_acting_for text NOT NULL DEFAULT ''::text
    total_fen bigint NOT NULL
    received_fen bigint NOT NULL DEFAULT 0
    refunded_fen bigint NOT NULL DEFAULT 0
    status text NOT NULL
    exception_reason text NOT NULL DEFAULT ''::text
    channel text NOT NULL DEFAULT ''::text
    channel_txn text NOT NULL DEFAULT ''::text
    method text NOT NULL DEFAULT ''::text
    created_by text NOT NULL
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    paid_at timestamp with time zone
    closed_at timestamp with time zone
    close_reason text NOT NULL DEFAULT ''::text
    updated_at timestamp with time zone NOT NULL
);

TABLE payment_reconciliation_items (
    report_id text NOT NULL
    item_no integer NOT NULL
    kind text NOT NULL
    txn_kind text NOT NULL
    order_id text NOT NULL DEFAULT ''::text
    org_code text NOT NULL DEFAULT ''::text
    merchant_ref text NOT NULL DEFAULT ''::text
    channel_ref text NOT NULL DEFAULT ''::text
    ours_fen bigint
    theirs_fen bigint
    ours_status text NOT NULL DEFAULT ''::text
    theirs_status text NOT NULL DEFAULT ''::text
);

TABLE payment_reconciliations (
    id text NOT NULL
    channel text NOT NULL
    day text NOT NULL
    org_code text NOT NULL DEFAULT ''::text
    run_by text NOT NULL
    run_at timestamp with time zone NOT NULL
    statement_sha256 text NOT NULL
    statement_lines integer NOT NULL
    matched integer NOT NULL
    mismatched integer NOT NULL
    ours_paid_fen bigint NOT NULL
    theirs_paid_fen bigint NOT NULL
    ours_refunded_fen bigint NOT NULL
    theirs_refunded_fen bigint NOT NULL
);

TABLE payment_refunds (
    id text NOT NULL
    order_id text NOT NULL
    attempt_id text NOT NULL
    channel text NOT NULL
    channel_refund_id text NOT NULL DEFAULT ''::text
    amount_fen bigint NOT NULL
    refunded_fen bigint NOT NULL DEFAULT 0
    reason text NOT NULL
    status text NOT NULL
    requested_by text NOT NULL
    requested_at timestamp with time zone NOT NULL
    finished_at timestamp with time zone
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

TABLE rating_appeals (
    id text NOT NULL
    rating_id text NOT NULL
    org_code text NOT NULL
    reason text NOT NULL
    evidence text NOT NULL
    status text NOT NULL
    appealed_by text NOT NULL
    appealed_at timestamp with time zone NOT NULL
    decided_by text
    decided_at timestamp with time zone
    decision_note text NOT NULL DEFAULT ''::text
);

TABLE rating_callbacks (
    id text NOT NULL
    task_id text NOT NULL
    caller text NOT NULL
    called_at timestamp with time zone NOT NULL
    reached integer NOT NULL
    account text NOT NULL DEFAULT ''::text
    recorded_at timestamp with time zone NOT NULL
);

TABLE rating_tasks (
    id text NOT NULL
    rating_id text NOT NULL
    org_code text NOT NULL
    status text NOT NULL
    deadline_days integer NOT NULL
    opened_at timestamp with time zone NOT NULL
    due_at timestamp with time zone NOT NULL
    overdue integer NOT NULL DEFAULT 0
    overdue_at timestamp with time zone
    findings text NOT NULL DEFAULT ''::text
    verified_by text
    verified_at timestamp with time zone
    measures text NOT NULL DEFAULT ''::text
    rectified_by text
    rectified_at timestamp with time zone
    closing_note text NOT NULL DEFAULT ''::text
    closed_by text
    closed_at timestamp with time zone
    cancelled_at timestamp with time zone
);

TABLE rating_visits (
    id text NOT NULL
    code_sha256 text NOT NULL
    org_code text NOT NULL
    item_code text NOT NULL DEFAULT ''::text
    resident_account bigint
    opened_by text NOT NULL
    opened_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    rated_at timestamp with time zone
);

TABLE ratings (
    id text NOT NULL
    subject_kind text NOT NULL
    case_id text
    visit_id text
    case_number text NOT NULL DEFAULT ''::text
    org_code text NOT NULL
    item_code text NOT NULL DEFAULT ''::text
    item_name text NOT NULL DEFAULT ''::text
    level integer NOT NULL
    tags text NOT NULL DEFAULT ''::text
    comment text NOT NULL DEFAULT ''::text
    follow_up text NOT NULL DEFAULT ''::text
    follow_up_at timestamp with time zone
    channel text NOT NULL
    real_name integer NOT NULL DEFAULT 0
    rater_account bigint
    rater_acting_for text NOT NULL DEFAULT ''::text
    rated_at timestamp with time zone NOT NULL
    excluded integer NOT NULL DEFAULT 0
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

TABLE search_documents (
    kind text NOT NULL
    doc_id text NOT NULL
    title text NOT NULL
    body text NOT NULL
    tsv tsvector NOT NULL
);

TABLE sessions (
    token_hash text NOT NULL
    account_id bigint NOT NULL
    created_at timestamp with time zone NOT NULL
    expires_at timestamp with time zone NOT NULL
    pending_totp integer NOT NULL DEFAULT 0
    acting_for text
    attempts integer NOT NULL DEFAULT 0
    idle_limit_seconds integer
    last_seen_at timestamp with time zone
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
CREATE UNIQUE INDEX acquirer_keys_pkey ON acquirer_keys USING btree (id);
CREATE UNIQUE INDEX acquirer_merchants_pkey ON acquirer_merchants USING btree (id);
CREATE INDEX acquirer_nonces_expiry ON acquirer_nonces USING btree (expires_at);
CREATE UNIQUE INDEX acquirer_nonces_pkey ON acquirer_nonces USING btree (merchant_id, nonce);
CREATE INDEX acquirer_notifications_due ON acquirer_notifications USING btree (status, next_attempt_at);
CREATE INDEX acquirer_notifications_payment ON acquirer_notifications USING btree (payment_id, id);
CREATE UNIQUE INDEX acquirer_notifications_pkey ON acquirer_notifications USING btree (id);
CREATE INDEX acquirer_payments_due ON acquirer_payments USING btree (status, expires_at);
CREATE UNIQUE INDEX acquirer_payments_merchant_id_out_trade_no_key ON acquirer_payments USING btree (merchant_id, out_trade_no);
CREATE INDEX acquirer_payments_paid ON acquirer_payments USING btree (merchant_id, paid_at);
CREATE UNIQUE INDEX acquirer_payments_pkey ON acquirer_payments USING btree (id);
CREATE INDEX acquirer_refunds_finished ON acquirer_refunds USING btree (merchant_id, finished_at);
CREATE UNIQUE INDEX acquirer_refunds_merchant_id_out_refund_no_key ON acquirer_refunds USING btree (merchant_id, out_refund_no);
CREATE UNIQUE INDEX acquirer_refunds_pkey ON acquirer_refunds USING btree (id);
CREATE INDEX agent_authorisations_agent ON agent_authorisations USING btree (agent_account_id);
CREATE INDEX agent_authorisations_enterprise ON agent_authorisations USING btree (credit_code);
CREATE UNIQUE INDEX agent_authorisations_pkey ON agent_authorisations USING btree (id);
CREATE INDEX apps_owner ON apps USING btree (owner_org);
CREATE UNIQUE INDEX apps_pkey ON apps USING btree (client_id);
CREATE INDEX audit_events_object ON audit_events USING btree (object_type, object_id);
CREATE UNIQUE INDEX audit_events_pkey ON audit_events USING btree (id);
CREATE UNIQUE INDEX blobs_pkey ON blobs USING btree (sha256);
CREATE UNIQUE INDEX calendar_overrides_pkey ON calendar_overrides USING btree (day);
CREATE INDEX case_events_case ON case_events USING btree (case_id, id);
CREATE UNIQUE INDEX case_events_pkey ON case_events USING btree (id);
CREATE UNIQUE INDEX case_materials_pkey ON case_materials USING btree (case_id, code);
CREATE INDEX case_procedures_case ON case_procedures USING btree (case_id, id);
CREATE UNIQUE INDEX case_procedures_pkey ON case_procedures USING btree (id);
CREATE UNIQUE INDEX case_specs_pkey ON case_specs USING btree (sha256);
CREATE INDEX case_supplements_case ON case_supplements USING btree (case_id, id);
CREATE UNIQUE INDEX case_supplements_pkey ON case_supplements USING btree (id);
CREATE INDEX cases_acting_for ON cases USING btree (acting_for, created_at) WHERE (acting_for <> ''::text);
CREATE INDEX cases_applicant ON cases USING btree (applicant_account, created_at);
CREATE INDEX cases_clock ON cases USING btree (warn_on, due_on) WHERE (clock_state = 'running'::text);
CREATE INDEX cases_handling ON cases USING btree (handling_org, status, updated_at);
CREATE UNIQUE INDEX cases_number_key ON cases USING btree (number);
CREATE UNIQUE INDEX cases_origin ON cases USING btree (origin_node, origin_number) WHERE (origin_node <> ''::text);
CREATE INDEX cases_parent ON cases USING btree (parent_id) WHERE (parent_id IS NOT NULL);
CREATE UNIQUE INDEX cases_pkey ON cases USING btree (id);
CREATE INDEX cases_receiving ON cases USING btree (receiving_org, status, updated_at) WHERE (receiving_org <> ''::text);
CREATE INDEX catalog_bundle_items_item ON catalog_bundle_items USING btree (item_code);
CREATE UNIQUE INDEX catalog_bundle_items_pkey ON catalog_bundle_items USING btree (bundle_code, item_code);
CREATE INDEX catalog_entries_org ON catalog_entries USING btree (org_code, kind, code);
CREATE UNIQUE INDEX catalog_entries_pkey ON catalog_entries USING btree (kind, code);
CREATE INDEX catalog_published_name ON catalog_published USING btree (kind, name_hans, code);
CREATE UNIQUE INDEX catalog_published_pkey ON catalog_published USING btree (kind, code);
CREATE UNIQUE INDEX catalog_tags_pkey ON catalog_tags USING btree (kind, code, tag);
CREATE INDEX catalog_tags_tag ON catalog_tags USING btree (tag, kind, code);
CREATE UNIQUE INDEX catalog_versions_pkey ON catalog_versions USING btree (kind, code, version);
CREATE INDEX catalog_versions_status ON catalog_versions USING btree (status, kind);
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
CREATE UNIQUE INDEX federation_peer_lists_pkey ON federation_peer_lists USING btree (peer_code, version);
CREATE UNIQUE INDEX federation_peer_snapshots_pkey ON federation_peer_snapshots USING btree (peer_code);
CREATE UNIQUE INDEX federation_peers_fingerprint_key ON federation_peers USING btree (fingerprint);
CREATE UNIQUE INDEX federation_peers_pkey ON federation_peers USING btree (code);
CREATE UNIQUE INDEX federation_published_pkey ON federation_published USING btree (version);
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
CREATE INDEX licence_copies_licence ON licence_copies USING btree (licence_id, created_at);
CREATE UNIQUE INDEX licence_copies_pkey ON licence_copies USING btree (id);
CREATE INDEX licence_grants_grantee ON licence_grants USING btree (grantee_node, grantee_org, valid_until);
CREATE INDEX licence_grants_licence ON licence_grants USING btree (licence_id, created_at);
CREATE UNIQUE INDEX licence_grants_pkey ON licence_grants USING btree (id);
CREATE INDEX licence_history_licence ON licence_history USING btree (licence_id, id);
CREATE UNIQUE INDEX licence_history_pkey ON licence_history USING btree (id);
CREATE INDEX licence_presentations_licence ON licence_presentations USING btree (licence_id, created_at);
CREATE UNIQUE INDEX licence_presentations_pkey ON licence_presentations USING btree (id);
CREATE UNIQUE INDEX licence_serials_pkey ON licence_serials USING btree (issuer_code, type_code);
CREATE INDEX licence_types_org ON licence_types USING btree (org_code, code);
CREATE UNIQUE INDEX licence_types_pkey ON licence_types USING btree (code, version);
CREATE UNIQUE INDEX licence_types_published ON licence_types USING btree (code) WHERE (status = 'published'::text);
CREATE INDEX licence_uses_licence ON licence_uses USING btree (licence_id, id);
CREATE UNIQUE INDEX licence_uses_pkey ON licence_uses USING btree (id);
CREATE INDEX licences_case ON licences USING btree (case_id) WHERE (case_id IS NOT NULL);
CREATE INDEX licences_expiry ON licences USING btree (valid_until) WHERE ((status = 'valid'::text) AND (expired_logged = 0));
CREATE INDEX licences_holder ON licences USING btree (holder_code_type, holder_code, type_code);
CREATE INDEX licences_key ON licences USING btree (key_id, id);
CREATE UNIQUE INDEX licences_pkey ON licences USING btree (id);
CREATE UNIQUE INDEX licences_serial ON licences USING btree (issuer_code, type_code, serial, version);
CREATE INDEX login_history_account ON login_history USING btree (account_id, at);
CREATE UNIQUE INDEX login_history_pkey ON login_history USING btree (id);
CREATE UNIQUE INDEX message_outbox_pkey ON message_outbox USING btree (id);
CREATE UNIQUE INDEX node_call_nonces_pkey ON node_call_nonces USING btree (node, nonce);
CREATE INDEX node_call_nonces_seen_at ON node_call_nonces USING btree (seen_at);
CREATE UNIQUE INDEX notify_deliveries_pkey ON notify_deliveries USING btree (message_id, channel);
CREATE INDEX notify_messages_inbox ON notify_messages USING btree (account_id, id);
CREATE UNIQUE INDEX notify_messages_pkey ON notify_messages USING btree (id);
CREATE INDEX notify_messages_unread ON notify_messages USING btree (account_id) WHERE (read_at IS NULL);
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
CREATE INDEX payment_attempts_day ON payment_attempts USING btree (channel, succeeded_at);
CREATE INDEX payment_attempts_order ON payment_attempts USING btree (order_id, created_at);
CREATE UNIQUE INDEX payment_attempts_pkey ON payment_attempts USING btree (id);
CREATE INDEX payment_attempts_txn ON payment_attempts USING btree (channel, channel_txn);
CREATE UNIQUE INDEX payment_callbacks_dedupe_key_key ON payment_callbacks USING btree (dedupe_key);
CREATE INDEX payment_callbacks_order ON payment_callbacks USING btree (order_id, received_at);
CREATE UNIQUE INDEX payment_callbacks_pkey ON payment_callbacks USING btree (id);
CREATE INDEX payment_callbacks_received ON payment_callbacks USING btree (received_at);
CREATE UNIQUE INDEX payment_order_lines_pkey ON payment_order_lines USING btree (order_id, line_no);
CREATE INDEX payment_orders_acting_for ON payment_orders USING btree (payer_acting_for, created_at);
CREATE INDEX payment_orders_due ON payment_orders USING btree (status, expires_at);
CREATE UNIQUE INDEX payment_orders_notice_number_key ON payment_orders USING btree (notice_number);
CREATE INDEX payment_orders_org ON payment_orders USING btree (org_code, created_at);
CREATE INDEX payment_orders_payer ON payment_orders USING btree (payer_account, created_at);
CREATE UNIQUE INDEX payment_orders_pkey ON payment_orders USING btree (id);
CREATE INDEX payment_orders_reference ON payment_orders USING btree (reference_kind, reference_id);
CREATE UNIQUE INDEX payment_reconciliation_items_pkey ON payment_reconciliation_items USING btree (report_id, item_no);
CREATE INDEX payment_reconciliations_day ON payment_reconciliations USING btree (channel, day, run_at);
CREATE UNIQUE INDEX payment_reconciliations_pkey ON payment_reconciliations USING btree (id);
CREATE INDEX payment_refunds_day ON payment_refunds USING btree (channel, finished_at);
CREATE INDEX payment_refunds_order ON payment_refunds USING btree (order_id, requested_at);
CREATE UNIQUE INDEX payment_refunds_pkey ON payment_refunds USING btree (id);
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
CREATE INDEX rating_appeals_org ON rating_appeals USING btree (org_code, status);
CREATE UNIQUE INDEX rating_appeals_pkey ON rating_appeals USING btree (id);
CREATE UNIQUE INDEX rating_appeals_rating_id_key ON rating_appeals USING btree (rating_id);
CREATE INDEX rating_appeals_status ON rating_appeals USING btree (status, appealed_at);
CREATE UNIQUE INDEX rating_callbacks_pkey ON rating_callbacks USING btree (id);
CREATE INDEX rating_callbacks_task ON rating_callbacks USING btree (task_id, called_at);
CREATE INDEX rating_tasks_due ON rating_tasks USING btree (status, due_at);
CREATE INDEX rating_tasks_org ON rating_tasks USING btree (org_code, status);
CREATE UNIQUE INDEX rating_tasks_pkey ON rating_tasks USING btree (id);
CREATE UNIQUE INDEX rating_tasks_rating_id_key ON rating_tasks USING btree (rating_id);
CREATE UNIQUE INDEX rating_visits_code_sha256_key ON rating_visits USING btree (code_sha256);
CREATE INDEX rating_visits_org ON rating_visits USING btree (org_code, opened_at);
CREATE UNIQUE INDEX rating_visits_pkey ON rating_visits USING btree (id);
CREATE UNIQUE INDEX ratings_case_id_key ON ratings USING btree (case_id);
CREATE INDEX ratings_org ON ratings USING btree (org_code, rated_at);
CREATE UNIQUE INDEX ratings_pkey ON ratings USING btree (id);
CREATE INDEX ratings_rated_at ON ratings USING btree (rated_at);
CREATE INDEX ratings_rater ON ratings USING btree (rater_account);
CREATE UNIQUE INDEX ratings_visit_id_key ON ratings USING btree (visit_id);
CREATE INDEX real_name_verifications_account ON real_name_verifications USING btree (account_id);
CREATE UNIQUE INDEX real_name_verifications_pkey ON real_name_verifications USING btree (id);
CREATE INDEX seal_signatures_doc ON seal_signatures USING btree (document_sha256);
CREATE UNIQUE INDEX seal_signatures_pkey ON seal_signatures USING btree (id);
CREATE INDEX seal_signatures_seal ON seal_signatures USING btree (seal_id, signed_at);
CREATE INDEX seals_cert ON seals USING btree (cert_serial);
CREATE UNIQUE INDEX seals_code_key ON seals USING btree (code);
CREATE INDEX seals_org ON seals USING btree (org_code, status);
CREATE UNIQUE INDEX seals_pkey ON seals USING btree (id);
CREATE UNIQUE INDEX search_documents_pkey ON search_documents USING btree (kind, doc_id);
CREATE INDEX search_documents_tsv ON search_documents USING gin (tsv);
CREATE INDEX sessions_account ON sessions USING btree (account_id);
CREATE UNIQUE INDEX sessions_pkey ON sessions USING btree (token_hash);
CREATE UNIQUE INDEX signing_keys_active ON signing_keys USING btree (org_code, purpose, algorithm) WHERE (status = 'active'::text);
CREATE INDEX signing_keys_org ON signing_keys USING btree (org_code, purpose);
CREATE UNIQUE INDEX signing_keys_pkey ON signing_keys USING btree (id);
CREATE INDEX tsa_tokens_digest ON tsa_tokens USING btree (digest);
CREATE INDEX tsa_tokens_issued ON tsa_tokens USING btree (issued_at);
CREATE UNIQUE INDEX tsa_tokens_pkey ON tsa_tokens USING btree (serial);
