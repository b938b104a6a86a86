-- +goose Up
-- The provincial PKI (internal/pki): a root CA per algorithm family (SM2 and ECDSA P-256), a CA
-- per organisation and family signed by the root, and the certificates those CAs issue for
-- seals, signers and the time-stamping authority. Private keys are not here: key_id names the
-- key in signing_keys, which only internal/keys can use.
--
-- serial is the certificate's serial number in lower-case hex without leading zeros; a root
-- names itself as issuer. der is the certificate exactly as signed, so what is served and what
-- was audited never differ. A certificate is 'good' until revoked; revocation is final (no
-- certificateHold), and reason is its RFC 5280 name.
CREATE TABLE certificates (
    serial         TEXT PRIMARY KEY,
    issuer_serial  TEXT NOT NULL REFERENCES certificates (serial),
    key_id         TEXT NOT NULL REFERENCES signing_keys (id),
    org_code       TEXT NOT NULL REFERENCES organisations (code),
    kind           TEXT NOT NULL CHECK (kind IN ('root', 'org-ca', 'seal', 'signer', 'tsa')),
    family         TEXT NOT NULL CHECK (family IN ('SM2', 'ECDSA')),
    subject        TEXT NOT NULL,
    not_before     TIMESTAMPTZ NOT NULL,
    not_after      TIMESTAMPTZ NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('good', 'revoked')),
    revoked_at     TIMESTAMPTZ,
    reason         TEXT NOT NULL DEFAULT '',
    der            BYTEA NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
-- A root key certifies itself once, and an organisation CA key is certified once by each root,
-- while those certificates are good: two nodes ensuring the same CA at once cannot both succeed.
CREATE UNIQUE INDEX certificates_one_root ON certificates (key_id) WHERE kind = 'root' AND status = 'good';
CREATE UNIQUE INDEX certificates_one_org_ca ON certificates (key_id, issuer_serial) WHERE kind = 'org-ca' AND status = 'good';
CREATE INDEX certificates_issuer ON certificates (issuer_serial, status);
CREATE INDEX certificates_org ON certificates (org_code, kind);
CREATE INDEX certificates_key ON certificates (key_id);

-- The CRL of each issuing CA. number is the RFC 5280 cRLNumber last used and only grows; der is
-- the last CRL, served until next_update draws near or a revocation empties it (NULL).
CREATE TABLE pki_crls (
    issuer_serial  TEXT PRIMARY KEY REFERENCES certificates (serial),
    number         BIGINT NOT NULL CHECK (number >= 0),
    der            BYTEA,
    this_update    TIMESTAMPTZ,
    next_update    TIMESTAMPTZ
);

-- +goose Down
DROP TABLE pki_crls;
DROP TABLE certificates;
