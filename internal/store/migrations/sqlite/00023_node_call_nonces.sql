-- +goose Up
-- The nonces of the signed calls this node accepted from peer nodes (internal/nodecall), so
-- that a call replayed within its window is refused; rows older than the window are pruned.
CREATE TABLE node_call_nonces (
    node    TEXT NOT NULL,
    nonce   TEXT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (node, nonce)
);
CREATE INDEX node_call_nonces_seen_at ON node_call_nonces (seen_at);

-- +goose Down
DROP TABLE node_call_nonces;
