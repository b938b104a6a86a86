-- +goose Up
-- The unified payment entry (統一支付). A fee order says who pays whom for what: the payer (an
-- account, or the enterprise an agent pays for), the payee organisation, lines with their legal
-- basis, and the total, all in integer fen. Its 20-digit payment notice number (缴款码) carries
-- a check digit. Money moves only through channels: each attempt to pay is a payment at one
-- channel, each refund a refund there; callbacks from the channels are all kept for audit.
CREATE TABLE payment_orders (
    id                TEXT PRIMARY KEY,
    notice_number     TEXT NOT NULL UNIQUE,
    reference_kind    TEXT NOT NULL,
    reference_id      TEXT NOT NULL,
    reference_number  TEXT NOT NULL DEFAULT '',
    org_code          TEXT NOT NULL REFERENCES organisations (code),
    payer_account     BIGINT NOT NULL REFERENCES accounts (id),
    payer_acting_for  TEXT NOT NULL DEFAULT '',
    total_fen         BIGINT NOT NULL CHECK (total_fen > 0),
    received_fen      BIGINT NOT NULL DEFAULT 0 CHECK (received_fen >= 0),
    refunded_fen      BIGINT NOT NULL DEFAULT 0 CHECK (refunded_fen >= 0),
    status            TEXT NOT NULL CHECK (status IN ('unpaid', 'paying', 'paid', 'partially_refunded', 'refunded',
                          'closed', 'expired', 'exception')),
    exception_reason  TEXT NOT NULL DEFAULT '',
    channel           TEXT NOT NULL DEFAULT '',
    channel_txn       TEXT NOT NULL DEFAULT '',
    method            TEXT NOT NULL DEFAULT '',
    created_by        TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    expires_at        TIMESTAMPTZ NOT NULL,
    paid_at           TIMESTAMPTZ,
    closed_at         TIMESTAMPTZ,
    close_reason      TEXT NOT NULL DEFAULT '',
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_orders_payer ON payment_orders (payer_account, created_at);
CREATE INDEX payment_orders_acting_for ON payment_orders (payer_acting_for, created_at);
CREATE INDEX payment_orders_org ON payment_orders (org_code, created_at);
CREATE INDEX payment_orders_reference ON payment_orders (reference_kind, reference_id);
CREATE INDEX payment_orders_due ON payment_orders (status, expires_at);

CREATE TABLE payment_order_lines (
    order_id     TEXT NOT NULL REFERENCES payment_orders (id),
    line_no      INTEGER NOT NULL,
    name         TEXT NOT NULL,
    amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
    legal_basis  TEXT NOT NULL,
    PRIMARY KEY (order_id, line_no)
);

-- One row per attempt to pay an order at a channel. The id is the merchant reference the channel
-- knows the payment by ("P" + notice number + attempt number); channel_txn is the channel's own
-- transaction id. received_fen is what the channel said was paid, which may differ from
-- amount_fen (then the order is an exception).
CREATE TABLE payment_attempts (
    id            TEXT PRIMARY KEY,
    order_id      TEXT NOT NULL REFERENCES payment_orders (id),
    channel       TEXT NOT NULL,
    channel_txn   TEXT NOT NULL DEFAULT '',
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    received_fen  BIGINT NOT NULL DEFAULT 0,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'closed')),
    method        TEXT NOT NULL DEFAULT '',
    pay_url       TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    succeeded_at  TIMESTAMPTZ,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_attempts_order ON payment_attempts (order_id, created_at);
CREATE INDEX payment_attempts_txn ON payment_attempts (channel, channel_txn);
CREATE INDEX payment_attempts_day ON payment_attempts (channel, succeeded_at);

-- Refunds, asked for by an approver of the payee organisation and finalised by the channel's
-- callback. The id is the merchant refund reference ("R" + notice number + refund number).
CREATE TABLE payment_refunds (
    id                 TEXT PRIMARY KEY,
    order_id           TEXT NOT NULL REFERENCES payment_orders (id),
    attempt_id         TEXT NOT NULL REFERENCES payment_attempts (id),
    channel            TEXT NOT NULL,
    channel_refund_id  TEXT NOT NULL DEFAULT '',
    amount_fen         BIGINT NOT NULL CHECK (amount_fen > 0),
    refunded_fen       BIGINT NOT NULL DEFAULT 0,
    reason             TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('requested', 'processing', 'succeeded', 'failed')),
    requested_by       TEXT NOT NULL,
    requested_at       TIMESTAMPTZ NOT NULL,
    finished_at        TIMESTAMPTZ,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_refunds_order ON payment_refunds (order_id, requested_at);
CREATE INDEX payment_refunds_day ON payment_refunds (channel, finished_at);

-- Every callback a channel sent, accepted or not. dedupe_key ("channel:notification id") is set
-- only on the callback that was applied, so a second delivery of the same notification finds it
-- and is recorded as a duplicate. A rejected callback keeps the digest and size of its body, not
-- the body; an accepted one keeps the signed body as evidence.
CREATE TABLE payment_callbacks (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    channel          TEXT NOT NULL,
    notification_id  TEXT NOT NULL DEFAULT '',
    dedupe_key       TEXT UNIQUE,
    kind             TEXT NOT NULL DEFAULT '',
    order_id         TEXT NOT NULL DEFAULT '',
    merchant_ref     TEXT NOT NULL DEFAULT '',
    outcome          TEXT NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'stale', 'exception', 'rejected')),
    reason           TEXT NOT NULL DEFAULT '',
    body_sha256      TEXT NOT NULL,
    body_size        INTEGER NOT NULL,
    body             TEXT NOT NULL DEFAULT '',
    signature        TEXT NOT NULL DEFAULT '',
    received_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX payment_callbacks_order ON payment_callbacks (order_id, received_at);
CREATE INDEX payment_callbacks_received ON payment_callbacks (received_at);

-- Reconciliation reports: the platform's records against a channel's signed statement for one
-- civil day (China time), for one organisation or (org_code '') all of them, with every
-- difference found as an item.
CREATE TABLE payment_reconciliations (
    id                  TEXT PRIMARY KEY,
    channel             TEXT NOT NULL,
    day                 TEXT NOT NULL,
    org_code            TEXT NOT NULL DEFAULT '',
    run_by              TEXT NOT NULL,
    run_at              TIMESTAMPTZ NOT NULL,
    statement_sha256    TEXT NOT NULL,
    statement_lines     INTEGER NOT NULL,
    matched             INTEGER NOT NULL,
    mismatched          INTEGER NOT NULL,
    ours_paid_fen       BIGINT NOT NULL,
    theirs_paid_fen     BIGINT NOT NULL,
    ours_refunded_fen   BIGINT NOT NULL,
    theirs_refunded_fen BIGINT NOT NULL
);
CREATE INDEX payment_reconciliations_day ON payment_reconciliations (channel, day, run_at);

CREATE TABLE payment_reconciliation_items (
    report_id      TEXT NOT NULL REFERENCES payment_reconciliations (id),
    item_no        INTEGER NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('missing_ours', 'missing_theirs', 'amount_differs', 'status_differs')),
    txn_kind       TEXT NOT NULL CHECK (txn_kind IN ('payment', 'refund')),
    order_id       TEXT NOT NULL DEFAULT '',
    org_code       TEXT NOT NULL DEFAULT '',
    merchant_ref   TEXT NOT NULL DEFAULT '',
    channel_ref    TEXT NOT NULL DEFAULT '',
    ours_fen       BIGINT,
    theirs_fen     BIGINT,
    ours_status    TEXT NOT NULL DEFAULT '',
    theirs_status  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (report_id, item_no)
);

-- The sandbox acquirer (internal/acquirer) is a party of its own that only shares the database
-- in a demo: its signing key, its merchants and their API secrets (sealed by the node's key
-- service when one is configured), the nonces of signed requests (replay protection), the
-- payments and refunds it made, and its queue of signed notifications with retries.
CREATE TABLE acquirer_keys (
    id           TEXT PRIMARY KEY,
    algorithm    TEXT NOT NULL,
    public_key   BYTEA NOT NULL,
    private_key  BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE acquirer_merchants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    secret      BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE acquirer_nonces (
    merchant_id  TEXT NOT NULL REFERENCES acquirer_merchants (id),
    nonce        TEXT NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (merchant_id, nonce)
);
CREATE INDEX acquirer_nonces_expiry ON acquirer_nonces (expires_at);

CREATE TABLE acquirer_payments (
    id            TEXT PRIMARY KEY,
    merchant_id   TEXT NOT NULL REFERENCES acquirer_merchants (id),
    out_trade_no  TEXT NOT NULL,
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    subject       TEXT NOT NULL,
    payee         TEXT NOT NULL DEFAULT '',
    notify_url    TEXT NOT NULL,
    return_url    TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'closed')),
    method        TEXT NOT NULL DEFAULT '',
    refunded_fen  BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    paid_at       TIMESTAMPTZ,
    closed_at     TIMESTAMPTZ,
    UNIQUE (merchant_id, out_trade_no)
);
CREATE INDEX acquirer_payments_paid ON acquirer_payments (merchant_id, paid_at);
CREATE INDEX acquirer_payments_due ON acquirer_payments (status, expires_at);

CREATE TABLE acquirer_refunds (
    id             TEXT PRIMARY KEY,
    payment_id     TEXT NOT NULL REFERENCES acquirer_payments (id),
    merchant_id    TEXT NOT NULL REFERENCES acquirer_merchants (id),
    out_refund_no  TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    reason         TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('processing', 'succeeded', 'failed')),
    notify_url     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    UNIQUE (merchant_id, out_refund_no)
);
CREATE INDEX acquirer_refunds_finished ON acquirer_refunds (merchant_id, finished_at);

-- status: 'pending' waits for its next attempt, 'held' waits for a later notification of the
-- same payment to be delivered first (the sandbox's out-of-order mode), 'dropped' is never sent
-- (the sandbox's lost-notification mode), 'failed' ran out of attempts.
CREATE TABLE acquirer_notifications (
    id               BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    notify_id        TEXT NOT NULL,
    merchant_id      TEXT NOT NULL REFERENCES acquirer_merchants (id),
    payment_id       TEXT NOT NULL REFERENCES acquirer_payments (id),
    url              TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'held', 'delivered', 'dropped', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    last_error       TEXT NOT NULL DEFAULT '',
    created_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ
);
CREATE INDEX acquirer_notifications_due ON acquirer_notifications (status, next_attempt_at);
CREATE INDEX acquirer_notifications_payment ON acquirer_notifications (payment_id, id);

-- +goose Down
DROP TABLE acquirer_notifications;
DROP TABLE acquirer_refunds;
DROP TABLE acquirer_payments;
DROP TABLE acquirer_nonces;
DROP TABLE acquirer_merchants;
DROP TABLE acquirer_keys;
DROP TABLE payment_reconciliation_items;
DROP TABLE payment_reconciliations;
DROP TABLE payment_callbacks;
DROP TABLE payment_refunds;
DROP TABLE payment_attempts;
DROP TABLE payment_order_lines;
DROP TABLE payment_orders;
