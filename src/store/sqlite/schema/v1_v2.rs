//! The schema changes of v1 and v2, in order: applied once each, never
//! edited once released (a new change is a new migration at the end of
//! [`super::v3`]).

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
];
