//! Every schema change, in order: applied once each, never edited once
//! released (a new change is a new migration at the end).

use rusqlite_migration::M;

pub(super) const MIGRATIONS: &[M<'static>] = &[
    M::up(
        r#"
CREATE TABLE consultants (
    id            TEXT PRIMARY KEY NOT NULL,
    name          TEXT NOT NULL,
    specialties   TEXT NOT NULL,  -- JSON array of strings
    languages     TEXT NOT NULL,  -- JSON array of strings
    timezone      TEXT NOT NULL,  -- IANA zone name
    working_hours TEXT NOT NULL   -- canonical form: mon=09:00-17:00,tue=...
) STRICT;

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    email         TEXT NOT NULL UNIQUE,  -- already lower-cased by the domain
    name          TEXT NOT NULL,
    consultant_id TEXT UNIQUE REFERENCES consultants (id),
    password_hash TEXT NOT NULL,         -- Argon2id PHC string
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,   -- SHA-256 of the token; never the token
    user_id      TEXT NOT NULL REFERENCES users (id),
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    status       TEXT NOT NULL,          -- valid | expired
    user_agent   TEXT
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id, created_at);

CREATE TABLE bookings (
    id                  TEXT PRIMARY KEY NOT NULL,
    customer_id         TEXT NOT NULL REFERENCES users (id),
    consultant_id       TEXT NOT NULL REFERENCES consultants (id),
    starts_at           INTEGER NOT NULL,
    duration_minutes    INTEGER NOT NULL,
    mode                TEXT NOT NULL,
    destination         TEXT NOT NULL,
    travelers           INTEGER NOT NULL,
    notes               TEXT NOT NULL,
    status              TEXT NOT NULL,
    cancellation_reason TEXT,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX bookings_by_customer ON bookings (customer_id, starts_at, id);
CREATE INDEX bookings_by_consultant ON bookings (consultant_id, starts_at, id);

-- One row per slot a live booking occupies. The primary key is what makes a
-- double booking impossible: a second claim on the same (consultant, slot)
-- fails inside the transaction that writes the booking.
CREATE TABLE booking_slots (
    consultant_id TEXT NOT NULL,
    slot_start    INTEGER NOT NULL,
    booking_id    TEXT NOT NULL REFERENCES bookings (id) ON DELETE CASCADE,
    PRIMARY KEY (consultant_id, slot_start)
) STRICT, WITHOUT ROWID;
CREATE INDEX booking_slots_by_booking ON booking_slots (booking_id);
"#,
    ),
    M::up(
        r#"
-- Failed logins per email, for throttling (ASVS 2.2.1).
CREATE TABLE login_failures (
    email     TEXT NOT NULL,
    at        INTEGER NOT NULL,
    forget_at INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_email ON login_failures (email, at);
"#,
    ),
    M::up(
        r#"
-- Idempotency-Key uses, with the first response once there is one.
CREATE TABLE idempotency_keys (
    user_id           TEXT NOT NULL,
    key               TEXT NOT NULL,
    fingerprint       TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    expires_at        INTEGER NOT NULL,
    response_status   INTEGER,
    response_body     TEXT,
    response_location TEXT,
    PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;
CREATE INDEX idempotency_keys_by_expiry ON idempotency_keys (expires_at);
"#,
    ),
    M::up(
        r#"
-- Sessions record the credentials they were opened under; a password change
-- gives the account a new stamp, which older sessions no longer match.
ALTER TABLE users ADD COLUMN credentials_stamp TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN credentials_stamp TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- Failed logins become attempt places reserved before the password check:
-- at most `max_failures` per key, so parallel guesses cannot overrun them.
DROP TABLE login_failures;
CREATE TABLE login_attempts (
    key   TEXT NOT NULL,     -- account:<email> or device:<cookie hash>
    place INTEGER NOT NULL,  -- 0 .. max_failures - 1
    at    INTEGER NOT NULL,
    PRIMARY KEY (key, place)
) STRICT, WITHOUT ROWID;
CREATE INDEX login_attempts_by_time ON login_attempts (at);

-- Device cookies issued at login (OWASP): their holders are throttled apart
-- from anonymous guesses at the same account.
CREATE TABLE trusted_devices (
    token_hash TEXT PRIMARY KEY NOT NULL,  -- SHA-256 of the cookie; never the cookie
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX trusted_devices_by_expiry ON trusted_devices (expires_at);
"#,
    ),
    M::up(
        r#"
-- Mail goes to verified addresses only. Accounts that exist already are
-- unverified, except consultants: the agency created those.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 0;
UPDATE users SET email_verified = 1 WHERE consultant_id IS NOT NULL;
"#,
    ),
    M::up(
        r#"
-- Notifications, written in the transaction of the booking change that
-- planned them; delivered by the mail dispatcher under a lease.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,  -- <booking>.<version>.<event>.<recipient>
    booking_id      TEXT NOT NULL,
    event           TEXT NOT NULL,
    recipient       TEXT NOT NULL,              -- customer | consultant
    snapshot        TEXT NOT NULL,              -- the booking as the change left it (JSON)
    not_before      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    state           TEXT NOT NULL,              -- pending | sent | dropped
    next_attempt_at INTEGER NOT NULL,
    lease           TEXT,
    lease_until     INTEGER
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
"#,
    ),
    M::up(
        r#"
-- One message per change, for all its recipients (it was one per recipient
-- and per reminder): a quarter of the rows on a booking's write path. The
-- change's reminder is queued by the dispatcher when that message is done
-- with (`reminder_at`). Delivery is tracked per recipient. Messages already stored keep their ids (their mails' Message-IDs
-- gain the role once more: a retry across this upgrade is not recognised as
-- a duplicate, which at least once allows).
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY NOT NULL,  -- <booking>.<version>.<event>
    booking_id      TEXT NOT NULL,
    event           TEXT NOT NULL,
    recipients      TEXT NOT NULL,              -- customer | consultant | customer,consultant
    delivered       TEXT NOT NULL,              -- those of them done with
    snapshot        TEXT NOT NULL,              -- the booking as the change left it (JSON)
    not_before      INTEGER NOT NULL,
    reminder_at     INTEGER,                    -- the reminder to queue once done with
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    state           TEXT NOT NULL,              -- pending | sent | dropped
    next_attempt_at INTEGER NOT NULL,
    lease           TEXT,
    lease_until     INTEGER
) STRICT;
INSERT INTO outbox_messages
    SELECT id, booking_id, event, recipient, '', snapshot, not_before, NULL, created_at, attempts,
           state, next_attempt_at, lease, lease_until
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_messages RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
"#,
    ),
    M::up(
        r#"
-- Account mails (password reset, address verification) share the outbox
-- with booking notifications: one dispatcher, one delivery guarantee. Their
-- booking columns are empty.
CREATE TABLE outbox_messages (
    id              TEXT PRIMARY KEY NOT NULL,  -- <booking>.<version>.<event> | account.<hex>
    kind            TEXT NOT NULL,              -- booking | password_reset | email_verification
    booking_id      TEXT,
    event           TEXT,
    recipients      TEXT,
    delivered       TEXT,
    snapshot        TEXT,
    account         TEXT,                       -- the email asked about (reset) or the user id (verification)
    not_before      INTEGER NOT NULL,
    reminder_at     INTEGER,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL,
    state           TEXT NOT NULL,              -- pending | sent | dropped
    next_attempt_at INTEGER NOT NULL,
    lease           TEXT,
    lease_until     INTEGER
) STRICT;
INSERT INTO outbox_messages (id, kind, booking_id, event, recipients, delivered, snapshot,
        not_before, reminder_at, created_at, attempts, state, next_attempt_at, lease, lease_until)
    SELECT id, 'booking', booking_id, event, recipients, delivered, snapshot, not_before,
           reminder_at, created_at, attempts, state, next_attempt_at, lease, lease_until
    FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_messages RENAME TO outbox;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- Single-use account tokens: only their SHA-256 is kept, never the token.
CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    purpose    TEXT NOT NULL,               -- password_reset | email_verification
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_by_expiry ON account_tokens (expires_at);
"#,
    ),
    M::up(
        r#"
-- Consultants run their calendar: booking rules (existing consultants get
-- the defaults), a calendar feed secret (its hash), and time off. A
-- booking records the buffer it was made with: it claims those slots too.
ALTER TABLE consultants ADD COLUMN buffer_minutes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE consultants ADD COLUMN minimum_notice_minutes INTEGER NOT NULL DEFAULT 120;
ALTER TABLE consultants ADD COLUMN booking_horizon_days INTEGER NOT NULL DEFAULT 90;
ALTER TABLE consultants ADD COLUMN calendar_feed_hash TEXT;
CREATE UNIQUE INDEX consultants_by_calendar_feed ON consultants (calendar_feed_hash);
ALTER TABLE bookings ADD COLUMN buffer_minutes INTEGER NOT NULL DEFAULT 0;
-- Time off is kept with the profile (JSON): a booking reads it with the
-- consultant, in one read.
ALTER TABLE consultants ADD COLUMN time_off TEXT NOT NULL DEFAULT '[]';
"#,
    ),
    M::up(
        r#"
-- The third security review. The feed shows its owner since when it is on.
ALTER TABLE consultants ADD COLUMN calendar_feed_created_at INTEGER;
UPDATE consultants SET calendar_feed_created_at = 0 WHERE calendar_feed_hash IS NOT NULL;
-- A reset token dies with the password it was issued under (tokens issued
-- before this upgrade carry no stamp, and so no longer work: 30 minutes).
ALTER TABLE account_tokens ADD COLUMN credentials_stamp TEXT NOT NULL DEFAULT '';
-- Claims say which slots are an appointment's and which its buffer's: a new
-- booking keeps the current buffer after the appointments before it.
ALTER TABLE booking_slots ADD COLUMN buffer INTEGER NOT NULL DEFAULT 0;
UPDATE booking_slots SET buffer = 1
    WHERE slot_start >= (SELECT b.starts_at + b.duration_minutes * 60000
                         FROM bookings b WHERE b.id = booking_slots.booking_id);
"#,
    ),
    M::up(
        r#"
-- Staff, consultants' lifecycle, reassignment, and the audit log.
ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE consultants ADD COLUMN modes TEXT NOT NULL DEFAULT 'video,phone,in_person';
ALTER TABLE consultants ADD COLUMN bio TEXT NOT NULL DEFAULT '';
ALTER TABLE consultants ADD COLUMN active INTEGER NOT NULL DEFAULT 1;
ALTER TABLE outbox ADD COLUMN former_consultant TEXT;
-- Staff list every booking, by consultant or not, a month at a time.
CREATE INDEX bookings_by_start ON bookings (starts_at, id);

-- Written in the transaction of the change each entry records. Entries are
-- never deleted (erasure only clears personal data from their details).
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY NOT NULL,
    at          INTEGER NOT NULL,
    actor_id    TEXT,
    actor_role  TEXT,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    details     TEXT NOT NULL,  -- JSON object
    request_id  TEXT
) STRICT;
CREATE INDEX audit_by_target ON audit_log (target_id, at, id);
CREATE INDEX audit_by_actor ON audit_log (actor_id, at, id);
CREATE INDEX audit_by_time ON audit_log (at, id);
CREATE TRIGGER audit_log_is_append_only BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
"#,
    ),
    M::up(
        r#"
-- The audit log stored in time order (its primary key), with no rowid and
-- no index of its own for time or id: a booking writes two b-trees fewer.
CREATE TABLE audit_in_time_order (
    at          INTEGER NOT NULL,
    id          TEXT NOT NULL,
    actor_id    TEXT,
    actor_role  TEXT,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    details     TEXT NOT NULL,  -- JSON object
    request_id  TEXT,
    PRIMARY KEY (at, id)
) STRICT, WITHOUT ROWID;
INSERT INTO audit_in_time_order
    SELECT at, id, actor_id, actor_role, action, target_type, target_id, details, request_id
    FROM audit_log;
-- Dropping a table fires no trigger (and drops its indexes and trigger).
DROP TABLE audit_log;
ALTER TABLE audit_in_time_order RENAME TO audit_log;
-- Each index ends with the key (at, id), which it holds anyway: the history of one target, or
-- the acts of one actor, in time order. A customer acts on bookings only
-- on their own, which the target index finds through the bookings table;
-- indexed by actor, those entries (the bulk of the log) would put a page
-- picked by the customer into every booking's write.
CREATE INDEX audit_by_target ON audit_log (target_id, at, id);
CREATE INDEX audit_by_actor ON audit_log (actor_id, at, id)
    WHERE actor_role IS NOT 'customer' OR target_type <> 'booking';
CREATE TRIGGER audit_log_is_append_only BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
"#,
    ),
    M::up(
        r#"
-- Back-office systems' API keys, found by the SHA-256 of the key.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY NOT NULL,
    key_hash     TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    scopes       TEXT NOT NULL,  -- comma-separated scope names
    created_by   TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;
"#,
    ),
    M::up(
        r#"
-- Webhooks, and one delivery per (webhook, event), written with the change
-- that caused the event.
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY NOT NULL,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,  -- comma-separated event types
    description     TEXT NOT NULL,
    secret          TEXT NOT NULL,
    active          INTEGER NOT NULL,
    disabled_reason TEXT,
    created_at      INTEGER NOT NULL,
    failing_since   INTEGER         -- the first of an unbroken run of failed tries
) STRICT;
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    first_attempt_at INTEGER,
    last_attempt_at  INTEGER,
    response_status  INTEGER,
    duration_ms      INTEGER,
    next_attempt_at  INTEGER,
    lease            TEXT,
    lease_until      INTEGER,
    created_at       INTEGER NOT NULL,
    UNIQUE (webhook_id, event_id)
) STRICT;
CREATE INDEX deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_by_webhook ON webhook_deliveries (webhook_id, id);
"#,
    ),
    M::up(
        r#"
-- How long before an appointment its customer may still cancel or move it.
ALTER TABLE consultants ADD COLUMN cancellation_notice_minutes INTEGER NOT NULL DEFAULT 0;
"#,
    ),
    M::up(
        r#"
-- The video room of a confirmed video booking.
ALTER TABLE bookings ADD COLUMN meeting_url TEXT;
"#,
    ),
    M::up(
        r#"
-- Why the service chose the consultant of a booking made for "any"
-- matching consultant.
ALTER TABLE bookings ADD COLUMN assignment_reason TEXT;
-- Who was booked least recently, and who has the fewest live bookings
-- around a time, for the same (counted in the index alone).
CREATE INDEX bookings_by_consultant_creation ON bookings (consultant_id, created_at);
CREATE INDEX live_bookings_by_consultant ON bookings (consultant_id, starts_at, status)
    WHERE status <> 'cancelled';
"#,
    ),
];
