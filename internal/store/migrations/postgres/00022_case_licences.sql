-- +goose Up
-- Materials filled from electronic licences (免提交, internal/license). licence_consent records
-- that the applicant agreed, when applying, that the licences their materials ask for be fetched
-- (a bundle's cases carry their parent's); without it such materials are uploaded. A material
-- filled from a licence is 'from_licence' with the licence's identifier in licence_id and what
-- was verified of it (type name, number, issuer, state, when, validity) as JSON in licence; one
-- whose licence could not be used (none, suspended, revoked, expired) is 'unavailable', with the
-- state found in licence, and is left for the applicant to supply.
ALTER TABLE cases ADD COLUMN licence_consent INTEGER NOT NULL DEFAULT 0;

ALTER TABLE case_materials DROP CONSTRAINT case_materials_status_check;
ALTER TABLE case_materials ADD CONSTRAINT case_materials_status_check
    CHECK (status IN ('provided', 'to_fetch', 'requested', 'from_licence', 'unavailable'));
ALTER TABLE case_materials ADD COLUMN licence_id TEXT NOT NULL DEFAULT '';
ALTER TABLE case_materials ADD COLUMN licence TEXT NOT NULL DEFAULT '';

-- +goose Down
UPDATE case_materials SET status = 'to_fetch' WHERE status IN ('from_licence', 'unavailable');
ALTER TABLE case_materials DROP COLUMN licence;
ALTER TABLE case_materials DROP COLUMN licence_id;
ALTER TABLE case_materials DROP CONSTRAINT case_materials_status_check;
ALTER TABLE case_materials ADD CONSTRAINT case_materials_status_check
    CHECK (status IN ('provided', 'to_fetch', 'requested'));
ALTER TABLE cases DROP COLUMN licence_consent;
