-- +goose Up
-- Applications (辦件). A case is one application for one service item, or the parent of a
-- bundle's (一件事) cases, one per item. spec_sha256 names the item (or bundle) as it was
-- published when the case was made, so that a later version of the item never changes it; the
-- specs are content-addressed in case_specs, since thousands of cases share a handful of
-- published versions. The applicant is an account; acting_for is the credit code of the
-- enterprise an agent applied for (the case is then the enterprise's). Drafts have no number;
-- the query code of the public lookup is kept only as a hash. Clock columns hold the statutory
-- clock: limit_days working days from accepted_at, paused_days added by 補正 and special
-- procedures, due_on and warn_on as YYYY-MM-DD (China time) so that the sweep finds due cases
-- by comparing text.
CREATE TABLE case_specs (
    sha256      TEXT PRIMARY KEY,
    spec        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
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
    applicant_account BIGINT NOT NULL REFERENCES accounts (id),
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
    paused_since      TIMESTAMPTZ,
    paused_days       INTEGER NOT NULL DEFAULT 0,
    due_on            TEXT NOT NULL DEFAULT '',
    warn_on           TEXT NOT NULL DEFAULT '',
    warned_at         TIMESTAMPTZ,
    overdue_at        TIMESTAMPTZ,
    clock_stopped_at  TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    submitted_at      TIMESTAMPTZ,
    accepted_at       TIMESTAMPTZ,
    decided_at        TIMESTAMPTZ,
    completed_at      TIMESTAMPTZ,
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
    paid_at           TIMESTAMPTZ,
    delivery_method   TEXT NOT NULL DEFAULT '' CHECK (delivery_method IN ('', 'electronic', 'pickup', 'post')),
    delivered_by      TEXT NOT NULL DEFAULT '',
    transferred_to    TEXT NOT NULL DEFAULT '',
    remote_number     TEXT NOT NULL DEFAULT '',
    remote_status     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cases_applicant ON cases (applicant_account, created_at);
CREATE INDEX cases_acting_for ON cases (acting_for, created_at) WHERE acting_for <> '';
CREATE INDEX cases_handling ON cases (handling_org, status, updated_at);
CREATE INDEX cases_receiving ON cases (receiving_org, status, updated_at) WHERE receiving_org <> '';
CREATE INDEX cases_parent ON cases (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX cases_clock ON cases (warn_on, due_on) WHERE clock_state = 'running';

-- The materials of a case: a file the applicant (or a window for them) provided, one the
-- licence and shared-data modules will fetch, or one an official asked for (補正) — the file
-- provided before, if any, is kept until a new one replaces it.
CREATE TABLE case_materials (
    case_id      TEXT NOT NULL REFERENCES cases (id),
    code         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('provided', 'to_fetch', 'requested')),
    blob_sha256  TEXT REFERENCES blobs (sha256),
    file_name    TEXT NOT NULL DEFAULT '',
    format       TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    added_by     TEXT NOT NULL,
    added_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, code)
);

-- The timeline of a case: every step, clock event and message, in order. internal marks what
-- only officials see (review opinions).
CREATE TABLE case_events (
    id        BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    case_id   TEXT NOT NULL REFERENCES cases (id),
    at        TIMESTAMPTZ NOT NULL,
    kind      TEXT NOT NULL,
    actor     TEXT NOT NULL,
    party     TEXT NOT NULL CHECK (party IN ('applicant', 'official', 'system', 'remote')),
    org       TEXT NOT NULL DEFAULT '',
    internal  INTEGER NOT NULL DEFAULT 0,
    note      TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- Requests for materials (補正), kept whole: the once-only notice principle asks that everything
-- missing is asked for at once, so what was asked and when is part of the record.
CREATE TABLE case_supplements (
    id            BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    materials     TEXT NOT NULL,
    note          TEXT NOT NULL,
    during        TEXT NOT NULL,
    requested_by  TEXT NOT NULL,
    requested_at  TIMESTAMPTZ NOT NULL,
    resolved_at   TIMESTAMPTZ
);
CREATE INDEX case_supplements_case ON case_supplements (case_id, id);

-- Special procedures (hearings, expert review, inspection…) that stop the clock while they run.
CREATE TABLE case_procedures (
    id          BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (id),
    kind        TEXT NOT NULL CHECK (kind IN ('hearing', 'expert_review', 'inspection', 'testing', 'public_notice')),
    note        TEXT NOT NULL DEFAULT '',
    started_by  TEXT NOT NULL,
    started_at  TIMESTAMPTZ NOT NULL,
    ended_by    TEXT,
    ended_at    TIMESTAMPTZ,
    result      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_procedures_case ON case_procedures (case_id, id);

-- Case numbers end in a sequence number of this node: a sequence, so that concurrent
-- submissions never wait for each other (SQLite uses a one-row table behind its one writer).
CREATE SEQUENCE case_number_seq;

-- +goose Down
DROP SEQUENCE case_number_seq;
DROP TABLE case_procedures;
DROP TABLE case_supplements;
DROP TABLE case_events;
DROP TABLE case_materials;
DROP TABLE cases;
DROP TABLE case_specs;
