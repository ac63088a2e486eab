//! JSON forms the stores keep as text: a booking as an outbox message keeps
//! it (the same in every store, so a message reads back exactly as it was
//! planned), and a consultant's time off as SQLite keeps it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{StoreError, StoreResult};
use crate::domain::{
    Appointment, AssignmentReason, Booking, BookingDetails, BookingDuration, BookingId,
    BookingStatus, Buffer, CancellationReason, ConsultantId, Destination, MeetingUrl, Mode, Notes,
    Slot, TimeOff, TimeOffId, Travelers, UserId,
};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    id: String,
    customer_id: String,
    consultant_id: String,
    starts_at: DateTime<Utc>,
    duration_minutes: i64,
    mode: String,
    destination: String,
    travelers: i64,
    notes: String,
    status: String,
    cancellation_reason: Option<String>,
    version: u32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Absent in snapshots written before buffers existed.
    #[serde(default)]
    buffer_minutes: i64,
    /// Absent in snapshots written before video rooms existed.
    #[serde(default)]
    meeting_url: Option<String>,
    /// Absent in snapshots written before "any consultant" bookings.
    #[serde(default)]
    assignment_reason: Option<String>,
}

/// `booking` as JSON text.
pub fn to_json(booking: &Booking) -> String {
    let snapshot = Snapshot {
        id: booking.id.to_string(),
        customer_id: booking.customer_id.to_string(),
        consultant_id: booking.consultant_id.to_string(),
        starts_at: booking.appointment.start(),
        duration_minutes: booking.appointment.duration().minutes(),
        mode: booking.details.mode.as_str().to_owned(),
        destination: booking.details.destination.as_str().to_owned(),
        travelers: i64::from(booking.details.travelers.get()),
        notes: booking.details.notes.as_str().to_owned(),
        status: booking.status.as_str().to_owned(),
        cancellation_reason: booking
            .cancellation_reason
            .as_ref()
            .map(|reason| reason.as_str().to_owned()),
        version: booking.version,
        created_at: booking.created_at,
        updated_at: booking.updated_at,
        buffer_minutes: booking.buffer.minutes(),
        meeting_url: booking
            .meeting_url
            .as_ref()
            .map(|url| url.as_str().to_owned()),
        assignment_reason: booking.assignment.map(|reason| reason.as_str().to_owned()),
    };
    serde_json::to_string(&snapshot).expect("a snapshot always serialises")
}

/// The booking in `json`, as [`to_json`] wrote it.
pub fn from_json(json: &str) -> StoreResult<Booking> {
    let corrupt = || StoreError::Internal("corrupt booking snapshot in the outbox".into());
    let s: Snapshot = serde_json::from_str(json).map_err(|_| corrupt())?;
    let start = Slot::starting_at(s.starts_at).ok_or_else(corrupt)?;
    let duration = BookingDuration::from_minutes(s.duration_minutes).map_err(|_| corrupt())?;
    Ok(Booking {
        id: BookingId::parse(&s.id).ok_or_else(corrupt)?,
        customer_id: UserId::parse(&s.customer_id).ok_or_else(corrupt)?,
        consultant_id: ConsultantId::parse(&s.consultant_id).ok_or_else(corrupt)?,
        appointment: Appointment::restore(start, duration),
        buffer: Buffer::from_minutes(s.buffer_minutes).map_err(|_| corrupt())?,
        details: BookingDetails {
            mode: Mode::parse(&s.mode).map_err(|_| corrupt())?,
            destination: Destination::from_stored(&s.destination).ok_or_else(corrupt)?,
            travelers: Travelers::parse(s.travelers).map_err(|_| corrupt())?,
            notes: Notes::from_stored(&s.notes).ok_or_else(corrupt)?,
        },
        status: BookingStatus::parse(&s.status).ok_or_else(corrupt)?,
        cancellation_reason: s
            .cancellation_reason
            .map(|text| CancellationReason::from_stored(&text).ok_or_else(corrupt))
            .transpose()?,
        meeting_url: s
            .meeting_url
            .map(|text| MeetingUrl::from_stored(&text).ok_or_else(corrupt))
            .transpose()?,
        assignment: s
            .assignment_reason
            .map(|text| AssignmentReason::from_stored(&text).ok_or_else(corrupt))
            .transpose()?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimeOffEntry {
    id: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    reason: String,
    created_at: DateTime<Utc>,
}

/// `time_off` (of one consultant) as JSON text.
pub fn time_off_to_json(time_off: &[TimeOff]) -> String {
    let entries: Vec<TimeOffEntry> = time_off
        .iter()
        .map(|off| TimeOffEntry {
            id: off.id.to_string(),
            starts_at: off.starts_at,
            ends_at: off.ends_at,
            reason: off.reason.clone(),
            created_at: off.created_at,
        })
        .collect();
    serde_json::to_string(&entries).expect("time off always serialises")
}

/// The time off of `consultant` in `json`, as [`time_off_to_json`] wrote it.
pub fn time_off_from_json(consultant: ConsultantId, json: &str) -> Option<Vec<TimeOff>> {
    let entries: Vec<TimeOffEntry> = serde_json::from_str(json).ok()?;
    entries
        .into_iter()
        .map(|entry| {
            Some(TimeOff {
                id: TimeOffId::parse(&entry.id)?,
                consultant_id: consultant,
                starts_at: entry.starts_at,
                ends_at: entry.ends_at,
                reason: entry.reason,
                created_at: entry.created_at,
            })
        })
        .collect()
}
