-- +goose Up
-- A work-plan document as imported; number is the document number (閩政辦〔2021〕26號).
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

-- Each import that changed a document, with what changed (JSON list of changes).
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

-- deadline is a civil date (YYYY-MM-DD); status is derived from reviewed progress.
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

-- Responsible units of an item in the order written; org_code is NULL when the name matched no
-- organisation (reported at import) and for collective units that expand to several.
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
CREATE INDEX plan_item_units_org ON plan_item_units (org_code);

-- Which organisations answer for an item after collective units are expanded; the worklist.
CREATE TABLE plan_assignments (
    item_id   INTEGER NOT NULL REFERENCES plan_items (id),
    org_code  TEXT NOT NULL REFERENCES organisations (code),
    lead      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (item_id, org_code)
);
CREATE INDEX plan_assignments_org ON plan_assignments (org_code);

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

-- Text the importer found damaged, kept as found.
CREATE TABLE plan_damage (
    item_id   INTEGER NOT NULL REFERENCES plan_items (id),
    position  INTEGER NOT NULL,
    char_offset INTEGER NOT NULL,
    text      TEXT NOT NULL,
    PRIMARY KEY (item_id, position)
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
CREATE INDEX plan_reports_item ON plan_reports (item_id);
CREATE INDEX plan_reports_org ON plan_reports (org_code);

CREATE TABLE plan_report_figures (
    report_id  INTEGER NOT NULL REFERENCES plan_reports (id),
    target_id  INTEGER NOT NULL REFERENCES plan_targets (id),
    value      REAL NOT NULL,
    PRIMARY KEY (report_id, target_id)
);

CREATE TABLE plan_report_attachments (
    report_id  INTEGER NOT NULL REFERENCES plan_reports (id),
    sha256     TEXT NOT NULL REFERENCES blobs (sha256),
    filename   TEXT NOT NULL,
    PRIMARY KEY (report_id, sha256)
);

-- +goose Down
DROP TABLE plan_report_attachments;
DROP TABLE plan_report_figures;
DROP TABLE plan_reports;
DROP TABLE plan_damage;
DROP TABLE plan_targets;
DROP TABLE plan_assignments;
DROP TABLE plan_item_units;
DROP TABLE plan_items;
DROP TABLE plan_sections;
DROP TABLE plan_revisions;
DROP TABLE plan_documents;
