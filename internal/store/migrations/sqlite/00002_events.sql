-- +goose Up
-- The transactional outbox: one row per domain event, written by events.Enqueue in the transaction
-- that caused it, so an event exists if and only if its change committed. AUTOINCREMENT so that an
-- id is never reused after pruning: ids order deliveries and are the NATS message ids JetStream
-- deduplicates by.
CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,
    payload     TEXT NOT NULL,
    request_id  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX events_created ON events (created_at);

-- Consumers known to every node: Enqueue creates a delivery for each one whose pattern matches.
CREATE TABLE event_consumers (
    name        TEXT PRIMARY KEY,
    pattern     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

-- Outstanding work: one row per (consumer, event), created in the event's own transaction and
-- deleted when the consumer acknowledges the event. Because no cursor is kept, an event whose
-- transaction commits after one with a larger id is still delivered. next_attempt_ms is Unix
-- milliseconds (0: now); 'dead' rows exceeded their attempts and wait for events.Dispatcher.Retry.
CREATE TABLE event_deliveries (
    consumer         TEXT NOT NULL REFERENCES event_consumers (name) ON DELETE CASCADE,
    event_id         INTEGER NOT NULL REFERENCES events (id),
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms  INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    last_attempt_at  TIMESTAMP,
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX event_deliveries_event ON event_deliveries (event_id);
CREATE INDEX event_deliveries_dead ON event_deliveries (consumer, event_id) WHERE state = 'dead';

-- +goose Down
DROP TABLE event_deliveries;
DROP TABLE event_consumers;
DROP TABLE events;
