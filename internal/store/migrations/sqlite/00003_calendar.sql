-- +goose Up
-- Administrators' decisions that override the official holiday schedule for one day: a new
-- year's holidays before the holiday data carries them, a local closure, a make-up day.
CREATE TABLE calendar_overrides (
    day         TEXT PRIMARY KEY CHECK (day GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    kind        TEXT NOT NULL CHECK (kind IN ('workday', 'holiday')),
    reason      TEXT NOT NULL CHECK (reason <> ''),
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE calendar_overrides;
