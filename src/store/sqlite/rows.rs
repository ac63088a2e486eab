//! Mapping between rows and domain types.

use chrono::{DateTime, Utc};
use rusqlite::Row;
use rusqlite::types::{Type, ValueRef};

use crate::domain::{ApiKey, ApiKeyId, ApiKeyName, Scopes};
use crate::domain::{
    Appointment, AssignmentReason, Booking, BookingDetails, BookingDuration, BookingRules,
    BookingStatus, Buffer, CancellationReason, Consultant, ConsultantId, CredentialsStamp,
    Destination, Email, Locale, MeetingUrl, Mode, Notes, PersonName, Role, Session, SessionStatus,
    Slot, TokenHash, Travelers, User, UserAgent,
};
use crate::domain::{
    BookingId, Fingerprint, IdempotencyKey, IdempotencyRecord, SessionId, StoredResponse, UserId,
};

/// A stored value the domain does not accept: the database was edited by
/// hand or by a buggy version.
#[derive(Debug, thiserror::Error)]
#[error("corrupt value in column {0}")]
struct CorruptValue(&'static str);

/// Reads column `index` and converts it, reporting a failed conversion as a
/// corrupt column rather than panicking.
fn parsed<S, T>(
    row: &Row<'_>,
    index: usize,
    column: &'static str,
    convert: impl FnOnce(S) -> Option<T>,
) -> rusqlite::Result<T>
where
    S: rusqlite::types::FromSql,
{
    convert(row.get(index)?).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(CorruptValue(column)))
    })
}

/// An instant as stored: milliseconds since the epoch.
pub(super) fn millis(instant: DateTime<Utc>) -> i64 {
    instant.timestamp_millis()
}

/// Like [`parsed_text`], for a nullable column: NULL reads as `None`.
fn optional_text<T>(
    row: &Row<'_>,
    index: usize,
    column: &'static str,
    convert: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<Option<T>> {
    match row.get_ref(index)? {
        ValueRef::Null => Ok(None),
        _ => parsed_text(row, index, column, convert).map(Some),
    }
}

/// Like [`parsed`], for a text column converted from a borrowed `&str`:
/// no `String` is allocated just to be parsed and dropped.
fn parsed_text<T>(
    row: &Row<'_>,
    index: usize,
    column: &'static str,
    convert: impl FnOnce(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let corrupt = |error: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(index, Type::Text, error)
    };
    let text = row
        .get_ref(index)?
        .as_str()
        .map_err(|error| corrupt(error.into()))?;
    convert(text).ok_or_else(|| corrupt(Box::new(CorruptValue(column))))
}

fn instant(row: &Row<'_>, index: usize, column: &'static str) -> rusqlite::Result<DateTime<Utc>> {
    parsed(row, index, column, DateTime::from_timestamp_millis)
}

/// Columns read by [`user`], for table alias `u`, in this order.
pub(super) const USER_COLUMNS: &str = "u.id, u.email, u.name, u.consultant_id, u.created_at, \
     u.credentials_stamp, u.email_verified, u.admin, u.active, u.locale, u.timezone, \
     u.totp_confirmed, u.passkeys";
/// How many columns [`USER_COLUMNS`] selects: where the next ones start.
pub(super) const USER_WIDTH: usize = 13;

/// A user from the [`USER_COLUMNS`] starting at column `at`. (Read by
/// position: looking columns up by name costs more than the read itself on
/// the session path.)
pub(super) fn user(row: &Row<'_>, at: usize) -> rusqlite::Result<User> {
    let consultant: Option<String> = row.get(at + 3)?;
    let admin: bool = row.get(at + 7)?;
    let role = match consultant {
        None if admin => Role::Admin,
        None => Role::Customer,
        Some(id) => Role::Consultant(parsed(row, at + 3, "users.consultant_id", |_: String| {
            ConsultantId::parse(&id)
        })?),
    };
    Ok(User {
        id: parsed_text(row, at, "users.id", UserId::parse)?,
        email: parsed(row, at + 1, "users.email", Email::from_stored)?,
        name: parsed_text(row, at + 2, "users.name", PersonName::from_stored)?,
        role,
        created_at: instant(row, at + 4, "users.created_at")?,
        credentials_stamp: parsed_text(
            row,
            at + 5,
            "users.credentials_stamp",
            CredentialsStamp::from_stored,
        )?,
        email_verified: row.get(at + 6)?,
        active: row.get(at + 8)?,
        locale: parsed_text(row, at + 9, "users.locale", Locale::of_tag)?,
        timezone: row
            .get::<_, Option<String>>(at + 10)?
            .map(|_| parsed_text(row, at + 10, "users.timezone", |zone| zone.parse().ok()))
            .transpose()?,
        totp: row.get(at + 11)?,
        passkeys: row.get(at + 12)?,
    })
}

/// Columns read by [`session`], for table alias `s`, in this order.
pub(super) const SESSION_COLUMNS: &str = "s.id, s.token_hash, s.user_id, s.created_at, \
     s.last_seen_at, s.expires_at, s.status, s.user_agent, s.credentials_stamp, s.second_factor";
/// How many columns [`SESSION_COLUMNS`] selects: where the next ones start.
pub(super) const SESSION_WIDTH: usize = 10;

/// A session from the [`SESSION_COLUMNS`] starting at column `at`.
pub(super) fn session(row: &Row<'_>, at: usize) -> rusqlite::Result<Session> {
    let user_agent: Option<String> = row.get(at + 7)?;
    Ok(Session {
        id: parsed_text(row, at, "sessions.id", SessionId::parse)?,
        token_hash: TokenHash::from_hex(row.get(at + 1)?),
        user_id: parsed_text(row, at + 2, "sessions.user_id", UserId::parse)?,
        created_at: instant(row, at + 3, "sessions.created_at")?,
        last_seen_at: instant(row, at + 4, "sessions.last_seen_at")?,
        expires_at: instant(row, at + 5, "sessions.expires_at")?,
        status: parsed_text(row, at + 6, "sessions.status", SessionStatus::parse)?,
        user_agent: user_agent.map(|text| UserAgent::sanitize(&text)),
        credentials_stamp: parsed_text(
            row,
            at + 8,
            "sessions.credentials_stamp",
            CredentialsStamp::from_stored,
        )?,
        second_factor: row.get(at + 9)?,
    })
}

/// Columns read by [`consultant`], for table alias `c`.
pub(super) const CONSULTANT_COLUMNS: &str = "c.id, c.name, c.specialties, c.languages, \
     c.timezone, c.working_hours, c.buffer_minutes, c.minimum_notice_minutes, \
     c.booking_horizon_days, c.time_off, c.modes, c.bio, c.active, \
     c.cancellation_notice_minutes";

fn string_list(row: &Row<'_>, index: usize, column: &'static str) -> rusqlite::Result<Vec<String>> {
    parsed(row, index, column, |json: String| {
        serde_json::from_str(&json).ok()
    })
}

/// A consultant from [`CONSULTANT_COLUMNS`] starting at column `at`.
pub(super) fn consultant(row: &Row<'_>, at: usize) -> rusqlite::Result<Consultant> {
    let id = parsed_text(row, at, "consultants.id", ConsultantId::parse)?;
    Ok(Consultant {
        id,
        name: parsed_text(row, at + 1, "consultants.name", PersonName::from_stored)?,
        specialties: string_list(row, at + 2, "consultants.specialties")?,
        languages: string_list(row, at + 3, "consultants.languages")?,
        timezone: parsed_text(row, at + 4, "consultants.timezone", |text| {
            text.parse().ok()
        })?,
        working_hours: parsed_text(row, at + 5, "consultants.working_hours", |text| {
            text.parse().ok()
        })?,
        rules: parsed(row, at + 6, "consultants.buffer_minutes", |buffer: i64| {
            let notice: i64 = row.get(at + 7).ok()?;
            let horizon: i64 = row.get(at + 8).ok()?;
            let cancellation: i64 = row.get(at + 13).ok()?;
            let rules = BookingRules::new(buffer, notice, horizon).ok()?;
            rules.with_cancellation_notice(cancellation).ok()
        })?,
        time_off: parsed_text(row, at + 9, "consultants.time_off", |json| {
            crate::store::snapshot::time_off_from_json(id, json)
        })?,
        modes: parsed_text(row, at + 10, "consultants.modes", modes_from_stored)?,
        bio: row.get(at + 11)?,
        active: row.get(at + 12)?,
    })
}

/// Modes as stored: their names, comma-separated.
pub(super) fn modes_to_stored(modes: &[Mode]) -> String {
    modes
        .iter()
        .map(|mode| mode.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn modes_from_stored(text: &str) -> Option<Vec<Mode>> {
    text.split(',').map(|name| Mode::parse(name).ok()).collect()
}

/// Columns read by [`booking`], for table alias `b`.
pub(super) const BOOKING_COLUMNS: &str = "b.id, b.customer_id, b.consultant_id, b.starts_at, \
     b.duration_minutes, b.mode, b.destination, b.travelers, b.notes, b.status, \
     b.cancellation_reason, b.version, b.created_at, b.updated_at, b.buffer_minutes, \
     b.meeting_url, b.assignment_reason";

/// A booking from [`BOOKING_COLUMNS`] starting at column `at`.
pub(super) fn booking(row: &Row<'_>, at: usize) -> rusqlite::Result<Booking> {
    let start = parsed(row, at + 3, "bookings.starts_at", |ms: i64| {
        DateTime::from_timestamp_millis(ms).and_then(Slot::starting_at)
    })?;
    let duration = parsed(row, at + 4, "bookings.duration_minutes", |minutes: i64| {
        BookingDuration::from_minutes(minutes).ok()
    })?;
    let reason: Option<String> = row.get(at + 10)?;
    Ok(Booking {
        id: parsed_text(row, at, "bookings.id", BookingId::parse)?,
        customer_id: parsed_text(row, at + 1, "bookings.customer_id", UserId::parse)?,
        consultant_id: parsed_text(row, at + 2, "bookings.consultant_id", ConsultantId::parse)?,
        appointment: Appointment::restore(start, duration),
        buffer: parsed(row, at + 14, "bookings.buffer_minutes", |minutes: i64| {
            Buffer::from_minutes(minutes).ok()
        })?,
        details: BookingDetails {
            mode: parsed_text(row, at + 5, "bookings.mode", |text| Mode::parse(text).ok())?,
            destination: parsed_text(
                row,
                at + 6,
                "bookings.destination",
                Destination::from_stored,
            )?,
            travelers: parsed(row, at + 7, "bookings.travelers", |count: i64| {
                Travelers::parse(count).ok()
            })?,
            notes: parsed_text(row, at + 8, "bookings.notes", Notes::from_stored)?,
        },
        status: parsed_text(row, at + 9, "bookings.status", BookingStatus::parse)?,
        cancellation_reason: reason
            .map(|text| {
                parsed(row, at + 10, "bookings.cancellation_reason", |_: String| {
                    CancellationReason::from_stored(&text)
                })
            })
            .transpose()?,
        version: parsed(row, at + 11, "bookings.version", |version: i64| {
            u32::try_from(version).ok()
        })?,
        meeting_url: optional_text(
            row,
            at + 15,
            "bookings.meeting_url",
            MeetingUrl::from_stored,
        )?,
        assignment: optional_text(
            row,
            at + 16,
            "bookings.assignment_reason",
            AssignmentReason::from_stored,
        )?,
        created_at: instant(row, at + 12, "bookings.created_at")?,
        updated_at: instant(row, at + 13, "bookings.updated_at")?,
    })
}

/// Columns read by [`idempotency_record`], for table alias `k`.
pub(super) const IDEMPOTENCY_COLUMNS: &str = "k.user_id, k.key, k.fingerprint, k.created_at, \
     k.response_status, k.response_body, k.response_location";

/// An idempotency record from [`IDEMPOTENCY_COLUMNS`] starting at column `at`.
pub(super) fn idempotency_record(row: &Row<'_>, at: usize) -> rusqlite::Result<IdempotencyRecord> {
    let status: Option<i64> = row.get(at + 4)?;
    let response = status
        .map(|status| -> rusqlite::Result<StoredResponse> {
            Ok(StoredResponse {
                status: parsed(row, at + 4, "idempotency_keys.response_status", |_: i64| {
                    u16::try_from(status).ok()
                })?,
                body: row.get::<_, Option<String>>(at + 5)?.unwrap_or_default(),
                location: row.get(at + 6)?,
            })
        })
        .transpose()?;
    Ok(IdempotencyRecord {
        user_id: parsed_text(row, at, "idempotency_keys.user_id", UserId::parse)?,
        key: parsed_text(row, at + 1, "idempotency_keys.key", |text| {
            IdempotencyKey::parse(text).ok()
        })?,
        fingerprint: Fingerprint::from_hex(row.get(at + 2)?),
        created_at: instant(row, at + 3, "idempotency_keys.created_at")?,
        response,
    })
}

/// Columns read by [`api_key`], in this order.
pub(super) const API_KEY_COLUMNS: &str = "id, name, scopes, created_by, created_at, last_used_at";

/// An API key from the [`API_KEY_COLUMNS`].
pub(super) fn api_key(row: &Row<'_>) -> rusqlite::Result<ApiKey> {
    let scopes: String = row.get(2)?;
    let last_used: Option<i64> = row.get(5)?;
    Ok(ApiKey {
        id: parsed_text(row, 0, "api_keys.id", ApiKeyId::parse)?,
        name: parsed_text(row, 1, "api_keys.name", ApiKeyName::from_stored)?,
        scopes: Scopes::from_stored(&scopes.split(',').collect::<Vec<_>>()),
        created_by: parsed_text(row, 3, "api_keys.created_by", UserId::parse)?,
        created_at: instant(row, 4, "api_keys.created_at")?,
        last_used_at: last_used
            .map(|_| instant(row, 5, "api_keys.last_used_at"))
            .transpose()?,
    })
}
