//! Bookings and their slot claims as documents.

use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};

use super::{Fields, date, object_id};
use crate::domain::{
    Appointment, AssignmentReason, Booking, BookingDetails, BookingDuration, BookingId,
    BookingStatus, Buffer, CancellationReason, ConsultantId, Destination, HeldSlot, MeetingUrl,
    Mode, Notes, Slot, Travelers, UserId,
};
use crate::store::StoreResult;

pub(in crate::store::mongo) fn booking_document(booking: &Booking) -> Document {
    let details = &booking.details;
    doc! {
        "_id": object_id(booking.id.bytes()),
        "customerId": booking.customer_id.to_string(),
        "consultantId": booking.consultant_id.to_string(),
        "startsAt": date(booking.appointment.start()),
        "endsAt": date(booking.appointment.end()),
        "durationMinutes": booking.appointment.duration().minutes(),
        "mode": details.mode.as_str(),
        "destination": details.destination.as_str(),
        "travelers": i32::from(details.travelers.get()),
        "notes": details.notes.as_str(),
        "status": booking.status.as_str(),
        "cancellationReason": booking.cancellation_reason.as_ref().map(|reason| reason.as_str()),
        "version": i64::from(booking.version),
        "createdAt": date(booking.created_at),
        "updatedAt": date(booking.updated_at),
        "bufferMinutes": booking.buffer.minutes(),
        "meetingUrl": booking.meeting_url.as_ref().map(|url| url.as_str()),
        "assignmentReason": booking.assignment.map(|reason| reason.as_str()),
    }
}

pub(in crate::store::mongo) fn booking_from(document: &Document) -> StoreResult<Booking> {
    let fields = Fields {
        document,
        collection: "bookings",
    };
    let start =
        Slot::starting_at(fields.instant("startsAt")?).ok_or_else(|| fields.corrupt("startsAt"))?;
    let duration = BookingDuration::from_minutes(fields.integer("durationMinutes")?)
        .map_err(|_| fields.corrupt("durationMinutes"))?;
    let reason = fields
        .optional_string("cancellationReason")?
        .map(|text| {
            CancellationReason::from_stored(text)
                .ok_or_else(|| fields.corrupt("cancellationReason"))
        })
        .transpose()?;
    Ok(Booking {
        id: BookingId::from_bytes(fields.object_id()?),
        customer_id: fields.domain("customerId", UserId::parse)?,
        consultant_id: fields.domain("consultantId", ConsultantId::parse)?,
        appointment: Appointment::restore(start, duration),
        buffer: match document.get("bufferMinutes") {
            None => Buffer::None,
            Some(_) => Buffer::from_minutes(fields.integer("bufferMinutes")?)
                .map_err(|_| fields.corrupt("bufferMinutes"))?,
        },
        details: BookingDetails {
            mode: fields.domain("mode", |text| Mode::parse(text).ok())?,
            destination: fields.domain("destination", Destination::from_stored)?,
            travelers: Travelers::parse(fields.integer("travelers")?)
                .map_err(|_| fields.corrupt("travelers"))?,
            notes: fields.domain("notes", Notes::from_stored)?,
        },
        status: fields.domain("status", BookingStatus::parse)?,
        cancellation_reason: reason,
        meeting_url: fields
            .optional_string("meetingUrl")?
            .map(|text| MeetingUrl::from_stored(text).ok_or_else(|| fields.corrupt("meetingUrl")))
            .transpose()?,
        assignment: fields
            .optional_string("assignmentReason")?
            .map(|text| {
                AssignmentReason::from_stored(text)
                    .ok_or_else(|| fields.corrupt("assignmentReason"))
            })
            .transpose()?,
        version: u32::try_from(fields.integer("version")?)
            .map_err(|_| fields.corrupt("version"))?,
        created_at: fields.instant("createdAt")?,
        updated_at: fields.instant("updatedAt")?,
    })
}

/// The `_id` of the claim on `slot` of `consultant`: unique per pair.
pub(in crate::store::mongo) fn claim_id(consultant: ConsultantId, slot: Slot) -> String {
    format!("{consultant}:{}", slot.start().timestamp_millis())
}

/// `kind` of a claim on a slot of an appointment's buffer (a string: the
/// test server stores a `$set` boolean as a number).
pub(in crate::store::mongo) const BUFFER_KIND: &str = "buffer";
/// `kind` of a claim on a slot of an appointment (also: no `kind`, as
/// claims made before buffers were told apart).
pub(in crate::store::mongo) const APPOINTMENT_KIND: &str = "appointment";

pub(in crate::store::mongo) fn kind_of(held: HeldSlot) -> &'static str {
    if held.buffer {
        BUFFER_KIND
    } else {
        APPOINTMENT_KIND
    }
}

pub(in crate::store::mongo) fn claim_document(
    booking: &Booking,
    held: HeldSlot,
    claimed_at: DateTime<Utc>,
) -> Document {
    doc! {
        "_id": claim_id(booking.consultant_id, held.slot),
        "consultantId": booking.consultant_id.to_string(),
        "slotStart": date(held.slot.start()),
        "bookingId": booking.id.to_string(),
        "claimedAt": date(claimed_at),
        "kind": kind_of(held),
    }
}

/// A claim as read back: which booking holds which slot, since when.
pub(in crate::store::mongo) struct Claim {
    pub id: String,
    pub held: HeldSlot,
    pub booking: BookingId,
    pub claimed_at: DateTime<Utc>,
}

pub(in crate::store::mongo) fn claim_from(document: &Document) -> StoreResult<Claim> {
    let fields = Fields {
        document,
        collection: "booking_slots",
    };
    Ok(Claim {
        id: fields.string("_id")?.to_owned(),
        held: HeldSlot {
            slot: Slot::starting_at(fields.instant("slotStart")?)
                .ok_or_else(|| fields.corrupt("slotStart"))?,
            buffer: fields.optional_string("kind")? == Some(BUFFER_KIND),
        },
        booking: fields.domain("bookingId", BookingId::parse)?,
        claimed_at: fields.instant("claimedAt")?,
    })
}
