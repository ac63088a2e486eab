//! The schema changes since v3 (staff, webhooks, finding consultants,
//! privacy), in order after [`super::v1_v2`]'s: applied once each, never
//! edited once released (a new change is a new migration at the end).

use rusqlite_migration::M;

pub(super) const MIGRATIONS: &[M<'static>] = &[
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
    M::up(
        r#"
-- Privacy: which terms each person accepted, when and from where; erasure.
CREATE TABLE consents (
    user_id        TEXT NOT NULL REFERENCES users (id),
    terms_version  TEXT NOT NULL,
    accepted_at    INTEGER NOT NULL,
    client_address TEXT
) STRICT;
CREATE INDEX consents_by_user ON consents (user_id, accepted_at);
-- An erasure begun and not finished: the former address and when (JSON),
-- kept only until the second step removes what is left of the person.
ALTER TABLE users ADD COLUMN erasure TEXT;
CREATE INDEX users_being_erased ON users (id) WHERE erasure IS NOT NULL;
"#,
    ),
    M::up(
        r#"
-- Languages: the locale each person is written to in, and their own time
-- zone when they gave one.
ALTER TABLE users ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
ALTER TABLE users ADD COLUMN timezone TEXT;
"#,
    ),
    M::up(
        r#"
-- Second factors: the TOTP secret (sealed with MFA_ENCRYPTION_KEY: nonce
-- and ciphertext), whether a code confirmed it, and the last time step a
-- code was accepted for (a code is never accepted twice).
ALTER TABLE users ADD COLUMN totp_secret BLOB;
ALTER TABLE users ADD COLUMN totp_confirmed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER;
CREATE TABLE recovery_codes (
    user_id   TEXT NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    PRIMARY KEY (user_id, code_hash)
) STRICT, WITHOUT ROWID;
-- Logins waiting for their second factor, by the hash of their token.
CREATE TABLE mfa_challenges (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id),
    throttle_key TEXT NOT NULL,
    trust_device INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    failures     INTEGER NOT NULL DEFAULT 0
) STRICT;
"#,
    ),
    M::up(
        r#"
-- Passkeys: each account's WebAuthn credentials (the library's JSON), found
-- by credential id at a login; the count on users keeps the session path
-- to one row. Whether a session's login passed a second factor.
CREATE TABLE passkeys (
    id            TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users (id),
    name          TEXT NOT NULL,
    credential_id TEXT NOT NULL UNIQUE,
    credential    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER
) STRICT;
CREATE INDEX passkeys_by_user ON passkeys (user_id, created_at);
ALTER TABLE users ADD COLUMN passkeys INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN second_factor INTEGER NOT NULL DEFAULT 0;
-- Registrations and logins waiting for the authenticator's answer.
CREATE TABLE passkey_ceremonies (
    key        TEXT PRIMARY KEY NOT NULL,
    state      TEXT NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
"#,
    ),
];
