-- +goose Up
-- The latest signed licence status snapshot (YWS1.…) of each peer node, fetched from the status
-- URL of its trust list more often than the list itself (internal/federation), so that a peer's
-- suspensions and revocations are seen online. Only the latest is kept: a failed fetch leaves
-- it. document is the snapshot as received; digest "sha256:<hex>" of it.
CREATE TABLE federation_peer_snapshots (
    peer_code  TEXT PRIMARY KEY REFERENCES federation_peers (code),
    document   TEXT NOT NULL,
    digest     TEXT NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    fetched_by TEXT NOT NULL
);

-- +goose Down
DROP TABLE federation_peer_snapshots;
