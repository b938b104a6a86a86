-- +goose Up
-- The catalogue of government service items (政務服務事項) and one-thing bundles (一件事)
-- (internal/catalog). An entry is an item (kind 'item', code = its implementation code) or a
-- bundle (kind 'bundle'); it belongs to one organisation — the implementing one, or a bundle's
-- lead — for good. Every version is kept: a draft is edited in place until submitted; the
-- digital office publishes or returns a submitted version; publishing supersedes the version
-- published before. A version's elements are JSON in data; names are columns for listings.
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
CREATE INDEX catalog_entries_org ON catalog_entries (org_code, kind, code);

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
CREATE INDEX catalog_versions_status ON catalog_versions (status, kind);

-- What the public finds: one row per published entry with the figures a result shows, kept in
-- step with the published version (and, for a bundle, with its items' published versions).
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
CREATE INDEX catalog_published_name ON catalog_published (kind, name_hans, code);

-- The filters of a published entry: org:<code>, region:<code> (and in:<code> for each region it
-- lies in), life:<event>, stage:<stage>,
-- object:<person|enterprise>.
CREATE TABLE catalog_tags (
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    tag  TEXT NOT NULL,
    PRIMARY KEY (kind, code, tag),
    FOREIGN KEY (kind, code) REFERENCES catalog_published (kind, code)
);
CREATE INDEX catalog_tags_tag ON catalog_tags (tag, kind, code);

-- The items of each published bundle, in order.
CREATE TABLE catalog_bundle_items (
    bundle_code TEXT NOT NULL,
    item_code   TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (bundle_code, item_code)
);
CREATE INDEX catalog_bundle_items_item ON catalog_bundle_items (item_code);

-- +goose Down
DROP TABLE catalog_bundle_items;
DROP TABLE catalog_tags;
DROP TABLE catalog_published;
DROP TABLE catalog_versions;
DROP TABLE catalog_entries;
