-- +goose Up
-- Service ratings (好差評, GB/T 39734/39735-2020). A person rates a completed case once, or a
-- visit to a window once, on five levels; levels 1 and 2 are bad ratings. Every bad rating opens
-- a rectification task for the rated organisation with a deadline in working days, its call-backs,
-- verification, measures and closing. The rated organisation may appeal a rating as malicious;
-- the digital office decides, and an upheld appeal keeps the rating but leaves it out of the
-- published statistics.

-- A window visit a window officer opened: its one-time code (kept only as its SHA-256) lets the
-- person served rate it once, at the window's pad, a kiosk or online, until it expires.
CREATE TABLE rating_visits (
    id               TEXT PRIMARY KEY,
    code_sha256      TEXT NOT NULL UNIQUE,
    org_code         TEXT NOT NULL REFERENCES organisations (code),
    item_code        TEXT NOT NULL DEFAULT '',
    resident_account BIGINT,
    opened_by        TEXT NOT NULL,
    opened_at        TIMESTAMP NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    rated_at         TIMESTAMP
);
CREATE INDEX rating_visits_org ON rating_visits (org_code, opened_at);

-- One rating per case (case_id unique) or per visit (visit_id unique). Tags are codes from the
-- fixed list of the level, comma-separated. rater_account is the person when known (signed in,
-- or named on the visit): such a rating is real-name and its bad rating must be called back.
CREATE TABLE ratings (
    id               TEXT PRIMARY KEY,
    subject_kind     TEXT NOT NULL CHECK (subject_kind IN ('case', 'visit')),
    case_id          TEXT UNIQUE,
    visit_id         TEXT UNIQUE REFERENCES rating_visits (id),
    case_number      TEXT NOT NULL DEFAULT '',
    org_code         TEXT NOT NULL REFERENCES organisations (code),
    item_code        TEXT NOT NULL DEFAULT '',
    item_name        TEXT NOT NULL DEFAULT '',
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    tags             TEXT NOT NULL DEFAULT '',
    comment          TEXT NOT NULL DEFAULT '',
    follow_up        TEXT NOT NULL DEFAULT '',
    follow_up_at     TIMESTAMP,
    channel          TEXT NOT NULL CHECK (channel IN ('online', 'window', 'kiosk', 'sms')),
    real_name        INTEGER NOT NULL DEFAULT 0 CHECK (real_name IN (0, 1)),
    rater_account    BIGINT,
    rater_acting_for TEXT NOT NULL DEFAULT '',
    rated_at         TIMESTAMP NOT NULL,
    excluded         INTEGER NOT NULL DEFAULT 0 CHECK (excluded IN (0, 1)),
    CHECK ((subject_kind = 'case' AND case_id IS NOT NULL AND visit_id IS NULL) OR
           (subject_kind = 'visit' AND visit_id IS NOT NULL AND case_id IS NULL))
);
CREATE INDEX ratings_org ON ratings (org_code, rated_at);
CREATE INDEX ratings_rated_at ON ratings (rated_at);
CREATE INDEX ratings_rater ON ratings (rater_account);

-- The rectification of a bad rating: open → verified → rectified → closed, or cancelled when an
-- appeal against the rating is upheld. due_at is the end of the last working day allowed;
-- overdue is set by the sweep (or at a late closing) and stays set.
CREATE TABLE rating_tasks (
    id            TEXT PRIMARY KEY,
    rating_id     TEXT NOT NULL UNIQUE REFERENCES ratings (id),
    org_code      TEXT NOT NULL REFERENCES organisations (code),
    status        TEXT NOT NULL CHECK (status IN ('open', 'verified', 'rectified', 'closed', 'cancelled')),
    deadline_days INTEGER NOT NULL,
    opened_at     TIMESTAMP NOT NULL,
    due_at        TIMESTAMP NOT NULL,
    overdue       INTEGER NOT NULL DEFAULT 0 CHECK (overdue IN (0, 1)),
    overdue_at    TIMESTAMP,
    findings      TEXT NOT NULL DEFAULT '',
    verified_by   TEXT,
    verified_at   TIMESTAMP,
    measures      TEXT NOT NULL DEFAULT '',
    rectified_by  TEXT,
    rectified_at  TIMESTAMP,
    closing_note  TEXT NOT NULL DEFAULT '',
    closed_by     TEXT,
    closed_at     TIMESTAMP,
    cancelled_at  TIMESTAMP
);
CREATE INDEX rating_tasks_org ON rating_tasks (org_code, status);
CREATE INDEX rating_tasks_due ON rating_tasks (status, due_at);

-- Every call made to the person about a bad rating: who called, when, whether they were
-- reached, and their account of what happened.
CREATE TABLE rating_callbacks (
    id          TEXT PRIMARY KEY,
    task_id     TEXT NOT NULL REFERENCES rating_tasks (id),
    caller      TEXT NOT NULL,
    called_at   TIMESTAMP NOT NULL,
    reached     INTEGER NOT NULL CHECK (reached IN (0, 1)),
    account     TEXT NOT NULL DEFAULT '',
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX rating_callbacks_task ON rating_callbacks (task_id, called_at);

-- An organisation's appeal against a rating it holds malicious, one per rating, decided by the
-- digital office.
CREATE TABLE rating_appeals (
    id            TEXT PRIMARY KEY,
    rating_id     TEXT NOT NULL UNIQUE REFERENCES ratings (id),
    org_code      TEXT NOT NULL REFERENCES organisations (code),
    reason        TEXT NOT NULL,
    evidence      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'upheld', 'rejected')),
    appealed_by   TEXT NOT NULL,
    appealed_at   TIMESTAMP NOT NULL,
    decided_by    TEXT,
    decided_at    TIMESTAMP,
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rating_appeals_org ON rating_appeals (org_code, status);
CREATE INDEX rating_appeals_status ON rating_appeals (status, appealed_at);

-- +goose Down
DROP TABLE rating_appeals;
DROP TABLE rating_callbacks;
DROP TABLE rating_tasks;
DROP TABLE ratings;
DROP TABLE rating_visits;
