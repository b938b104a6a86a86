-- +goose Up
-- Materials filled from electronic licences (免提交, internal/license). licence_consent records
-- that the applicant agreed, when applying, that the licences their materials ask for be fetched
-- (a bundle's cases carry their parent's); without it such materials are uploaded. A material
-- filled from a licence is 'from_licence' with the licence's identifier in licence_id and what
-- was verified of it (type name, number, issuer, state, when, validity) as JSON in licence; one
-- whose licence could not be used (none, suspended, revoked, expired) is 'unavailable', with the
-- state found in licence, and is left for the applicant to supply.
ALTER TABLE cases ADD COLUMN licence_consent INTEGER NOT NULL DEFAULT 0;

-- SQLite changes a CHECK constraint only by rebuilding the table (nothing refers to it).
CREATE TABLE case_materials_new (
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
INSERT INTO case_materials_new (case_id, code, status, blob_sha256, file_name, format, size, added_by, added_at)
    SELECT case_id, code, status, blob_sha256, file_name, format, size, added_by, added_at FROM case_materials;
DROP TABLE case_materials;
ALTER TABLE case_materials_new RENAME TO case_materials;

-- +goose Down
CREATE TABLE case_materials_old (
    case_id      TEXT NOT NULL REFERENCES cases (id),
    code         TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('provided', 'to_fetch', 'requested')),
    blob_sha256  TEXT REFERENCES blobs (sha256),
    file_name    TEXT NOT NULL DEFAULT '',
    format       TEXT NOT NULL DEFAULT '',
    size         BIGINT NOT NULL DEFAULT 0,
    added_by     TEXT NOT NULL,
    added_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, code)
);
INSERT INTO case_materials_old (case_id, code, status, blob_sha256, file_name, format, size, added_by, added_at)
    SELECT case_id, code, CASE WHEN status IN ('from_licence', 'unavailable') THEN 'to_fetch' ELSE status END,
        blob_sha256, file_name, format, size, added_by, added_at FROM case_materials;
DROP TABLE case_materials;
ALTER TABLE case_materials_old RENAME TO case_materials;
ALTER TABLE cases DROP COLUMN licence_consent;
