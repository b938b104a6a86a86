-- +goose Up
-- Cases received from another province's node (跨省通辦: cases.ImportTransfer). origin_node is
-- the sending node's code and origin_number the case's number there: the pair is unique, so a
-- transfer delivered twice makes one case. origin holds what the sending node said of the case
-- and is not a column of its own: the applicant's identity document and name (and enterprise),
-- the window that collected it, the item's version there, and the transfer as signed (without the
-- materials' content, kept as blobs under the digests it names) with the sending node's signature.
--
-- Such a case's applicant has no account on this node: applicant_account is 0, the placeholder
-- account below, which no one signs in as (disabled, no password) and which no principal carries
-- (cases never treat account 0 as anyone's); acting_for is empty. The case is the handling
-- organisation's officials' alone; the applicant follows it on the sending node.
ALTER TABLE cases ADD COLUMN origin_node TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN origin_number TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN origin TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX cases_origin ON cases (origin_node, origin_number) WHERE origin_node <> '';

INSERT INTO accounts (id, login, kind, display_name, password_hash, disabled, created_at)
    VALUES (0, 'node:remote-applicant', 'resident', '外省申请人', '!', 1, CURRENT_TIMESTAMP);

-- +goose Down
DELETE FROM accounts WHERE id = 0;
DROP INDEX cases_origin;
ALTER TABLE cases DROP COLUMN origin;
ALTER TABLE cases DROP COLUMN origin_number;
ALTER TABLE cases DROP COLUMN origin_node;
