//! A booking as an outbox message keeps it: the same JSON text in every
//! store, so a message reads back exactly as it was planned.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{StoreError, StoreResult};
use crate::domain::{
    Appointment, Booking, BookingDetails, BookingDuration, BookingId, BookingStatus,
    CancellationReason, ConsultantId, Destination, Mode, Notes, Slot, Travelers, UserId,
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
        details: BookingDetails {
            mode: Mode::parse(&s.mode).map_err(|_| corrupt())?,
            destination: Destination::parse(&s.destination).map_err(|_| corrupt())?,
            travelers: Travelers::parse(s.travelers).map_err(|_| corrupt())?,
            notes: Notes::parse(&s.notes).map_err(|_| corrupt())?,
        },
        status: BookingStatus::parse(&s.status).ok_or_else(corrupt)?,
        cancellation_reason: s
            .cancellation_reason
            .map(|text| CancellationReason::parse(&text).map_err(|_| corrupt()))
            .transpose()?,
        version: s.version,
        created_at: s.created_at,
        updated_at: s.updated_at,
    })
}
