-- +goose Up
-- A session may have an idle limit of its own (a kiosk's, whose person may have walked away): it
-- ends once nobody used it for idle_limit_seconds after last_seen_at, whichever node is asked.
-- last_seen_at is kept only for sessions with a limit, and written at most every few seconds
-- (identity.idleRefresh). NULL: no idle limit.
ALTER TABLE sessions ADD COLUMN idle_limit_seconds INTEGER CHECK (idle_limit_seconds > 0);
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE sessions DROP COLUMN last_seen_at;
ALTER TABLE sessions DROP COLUMN idle_limit_seconds;
