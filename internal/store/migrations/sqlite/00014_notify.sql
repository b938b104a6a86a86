-- +goose Up
-- The inbox (internal/notify): every message told to a person, keyed by their account. A message
-- is stored as an i18n key and its arguments (a JSON array of strings), never as text, so that
-- each reader sees it in their own language; link is a local path to the affair it is about.
CREATE TABLE notify_messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL,
    msg_key     TEXT NOT NULL,
    args        TEXT NOT NULL DEFAULT '[]',
    link        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL,
    read_at     TIMESTAMP
);
CREATE INDEX notify_messages_inbox ON notify_messages (account_id, id);
CREATE INDEX notify_messages_unread ON notify_messages (account_id) WHERE read_at IS NULL;

-- What each sender did with a message: 'sent', or 'skipped' when the account has no contact for
-- that channel. A redelivered event finds its row and does not send twice.
CREATE TABLE notify_deliveries (
    message_id  INTEGER NOT NULL REFERENCES notify_messages (id),
    channel     TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('sent', 'skipped')),
    at          TIMESTAMP NOT NULL,
    PRIMARY KEY (message_id, channel)
);

-- +goose Down
DROP TABLE notify_deliveries;
DROP TABLE notify_messages;
