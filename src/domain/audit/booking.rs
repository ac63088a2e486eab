//! The entries a booking change writes.

use serde_json::Value;

use super::{AuditAction, AuditContext, AuditEntry};
use crate::domain::{Booking, BookingChange, Timestamp};

fn at(instant: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(Timestamp(instant).to_string())
}

/// What `change` of a booking (`before` it, `after` it) records: one entry
/// per thing that happened (an edit may move it and change its notes).
/// Notes and destinations are not copied into the log: it says that they
/// changed, not what they say.
pub fn booking_entries(
    context: &AuditContext,
    change: BookingChange,
    before: Option<&Booking>,
    after: &Booking,
) -> Vec<AuditEntry> {
    let entry = |action| AuditEntry::new(context, action, after.id);
    match (change, before) {
        (BookingChange::Created, _) | (_, None) => vec![
            entry(AuditAction::BookingCreated)
                .with("consultantId", after.consultant_id.to_string())
                .with("customerId", after.customer_id.to_string())
                .with("startsAt", at(after.appointment.start()))
                .with("durationMinutes", after.appointment.duration().minutes()),
        ],
        (BookingChange::Confirmed, _) => vec![entry(AuditAction::BookingConfirmed)],
        (BookingChange::Cancelled { by }, _) => {
            let mut cancelled = entry(AuditAction::BookingCancelled).with("by", by.as_str());
            if let Some(reason) = &after.cancellation_reason {
                cancelled = cancelled.with("reason", reason.as_str());
            }
            vec![cancelled]
        }
        (BookingChange::Reassigned { from }, _) => vec![
            entry(AuditAction::BookingReassigned)
                .with("fromConsultantId", from.to_string())
                .with("toConsultantId", after.consultant_id.to_string()),
        ],
        (BookingChange::Edited { .. }, Some(before)) => edits(context, before, after),
    }
}

/// The entries of an edit: a move, changed notes, other changed details.
fn edits(context: &AuditContext, before: &Booking, after: &Booking) -> Vec<AuditEntry> {
    let entry = |action| AuditEntry::new(context, action, after.id);
    let mut entries = Vec::new();
    if before.appointment != after.appointment {
        entries.push(
            entry(AuditAction::BookingRescheduled)
                .with("fromStartsAt", at(before.appointment.start()))
                .with("toStartsAt", at(after.appointment.start()))
                .with(
                    "fromDurationMinutes",
                    before.appointment.duration().minutes(),
                )
                .with("toDurationMinutes", after.appointment.duration().minutes()),
        );
    }
    if before.details.notes != after.details.notes {
        entries.push(entry(AuditAction::BookingNotesChanged));
    }
    let (old, new) = (&before.details, &after.details);
    let changed: Vec<Value> = [
        ("mode", old.mode != new.mode),
        ("destination", old.destination != new.destination),
        ("travelers", old.travelers != new.travelers),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(field, _)| Value::from(field))
    .collect();
    if !changed.is_empty() {
        entries.push(entry(AuditAction::BookingDetailsChanged).with("fields", changed));
    }
    entries
}
