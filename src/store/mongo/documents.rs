//! Mapping between documents and domain types. Field names are camelCase, as
//! in the session model of the tutorials; instants are BSON dates.

use chrono::{DateTime, TimeDelta, Utc};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{self, Bson, Document, doc};

use crate::domain::{
    Appointment, Booking, BookingDetails, BookingDuration, BookingId, BookingRules, BookingStatus,
    Buffer, CancellationReason, Consultant, ConsultantId, CredentialsStamp, Destination, Email,
    Mode, Notes, PasswordHash, PersonName, Role, Session, SessionId, SessionStatus, Slot, TimeOff,
    TimeOffId, TokenHash, Travelers, User, UserAgent, UserId, WorkingHours,
};
use crate::store::{StoreError, StoreResult};

/// A BSON date from an instant (millisecond precision, like the domain's clock).
pub(super) fn date(instant: DateTime<Utc>) -> bson::DateTime {
    bson::DateTime::from_millis(instant.timestamp_millis())
}

/// A document's ObjectId for a domain id.
pub(super) fn object_id(bytes: [u8; 12]) -> ObjectId {
    ObjectId::from_bytes(bytes)
}

/// Typed, checked access to a stored document: a missing or mistyped field
/// is reported as corrupt data, never a panic.
pub(super) struct Fields<'a> {
    pub(super) document: &'a Document,
    pub(super) collection: &'static str,
}

impl<'a> Fields<'a> {
    pub(super) fn corrupt(&self, key: &str) -> StoreError {
        StoreError::Internal(format!("corrupt document in {}: field {key}", self.collection).into())
    }

    pub(super) fn get(&self, key: &str) -> StoreResult<&'a Bson> {
        self.document.get(key).ok_or_else(|| self.corrupt(key))
    }

    pub(super) fn parse<T>(
        &self,
        key: &str,
        convert: impl FnOnce(&'a Bson) -> Option<T>,
    ) -> StoreResult<T> {
        convert(self.get(key)?).ok_or_else(|| self.corrupt(key))
    }

    pub(super) fn string(&self, key: &str) -> StoreResult<&'a str> {
        self.parse(key, Bson::as_str)
    }

    pub(super) fn optional_string(&self, key: &str) -> StoreResult<Option<&'a str>> {
        match self.document.get(key) {
            None | Some(Bson::Null) => Ok(None),
            Some(value) => value.as_str().map(Some).ok_or_else(|| self.corrupt(key)),
        }
    }

    pub(super) fn instant(&self, key: &str) -> StoreResult<DateTime<Utc>> {
        self.parse(key, |value| match value {
            Bson::DateTime(date) => DateTime::from_timestamp_millis(date.timestamp_millis()),
            _ => None,
        })
    }

    pub(super) fn integer(&self, key: &str) -> StoreResult<i64> {
        self.parse(key, |value| match value {
            Bson::Int32(n) => Some(i64::from(*n)),
            Bson::Int64(n) => Some(*n),
            _ => None,
        })
    }

    pub(super) fn object_id(&self) -> StoreResult<[u8; 12]> {
        self.parse("_id", |value| value.as_object_id().map(|id| id.bytes()))
    }

    pub(super) fn strings(&self, key: &str) -> StoreResult<Vec<String>> {
        self.parse(key, |value| {
            value
                .as_array()?
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
    }

    /// Parses a string field with a domain parser.
    pub(super) fn domain<T>(
        &self,
        key: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> StoreResult<T> {
        parse(self.string(key)?).ok_or_else(|| self.corrupt(key))
    }
}

pub(super) fn user_document(user: &User, hash: &PasswordHash) -> Document {
    doc! {
        "_id": object_id(user.id.bytes()),
        "email": user.email.as_str(),
        "name": user.name.as_str(),
        "role": user.role.as_str(),
        "consultantId": user.role.consultant_id().map(|id| id.to_string()),
        "passwordHash": hash.as_str(),
        "createdAt": date(user.created_at),
        "credentialsStamp": user.credentials_stamp.to_stored(),
        "emailVerified": user.email_verified,
    }
}

pub(super) fn user_from(document: &Document) -> StoreResult<User> {
    let fields = Fields {
        document,
        collection: "users",
    };
    let role = match fields.optional_string("consultantId")? {
        None => Role::Customer,
        Some(id) => {
            Role::Consultant(ConsultantId::parse(id).ok_or_else(|| fields.corrupt("consultantId"))?)
        }
    };
    Ok(User {
        id: UserId::from_bytes(fields.object_id()?),
        email: fields.domain("email", |text| Email::from_stored(text.to_owned()))?,
        name: fields.domain("name", |text| PersonName::parse(text).ok())?,
        created_at: fields.instant("createdAt")?,
        credentials_stamp: stamp(&fields)?,
        // Documents written before verification existed: consultants were
        // created by the agency, customers never showed they get mail.
        email_verified: match document.get("emailVerified") {
            None => role.consultant_id().is_some(),
            // The test server stores a boolean `$set` as a number.
            Some(Bson::Int32(flag)) => *flag != 0,
            Some(Bson::Int64(flag)) => *flag != 0,
            Some(value) => value
                .as_bool()
                .ok_or_else(|| fields.corrupt("emailVerified"))?,
        },
        role,
    })
}

pub(super) fn password_hash_from(document: &Document) -> StoreResult<PasswordHash> {
    let fields = Fields {
        document,
        collection: "users",
    };
    Ok(PasswordHash::from_phc(
        fields.string("passwordHash")?.to_owned(),
    ))
}

/// A session document; `purgeAt` is when the TTL index may delete it: the
/// end of its life plus the retention period.
pub(super) fn session_document(session: &Session, retention: TimeDelta) -> Document {
    doc! {
        "_id": object_id(session.id.bytes()),
        "tokenHash": session.token_hash.as_str(),
        "userId": session.user_id.to_string(),
        "createdAt": date(session.created_at),
        "lastSeenAt": date(session.last_seen_at),
        "expiresAt": date(session.expires_at),
        "status": session.status.as_str(),
        "userAgent": session.user_agent.as_ref().map(|agent| agent.as_str()),
        "credentialsStamp": session.credentials_stamp.to_stored(),
        "purgeAt": date(session.expires_at + retention),
    }
}

pub(super) fn session_from(document: &Document) -> StoreResult<Session> {
    let fields = Fields {
        document,
        collection: "sessions",
    };
    Ok(Session {
        id: SessionId::from_bytes(fields.object_id()?),
        token_hash: TokenHash::from_hex(fields.string("tokenHash")?.to_owned()),
        user_id: fields.domain("userId", UserId::parse)?,
        created_at: fields.instant("createdAt")?,
        last_seen_at: fields.instant("lastSeenAt")?,
        expires_at: fields.instant("expiresAt")?,
        status: fields.domain("status", SessionStatus::parse)?,
        user_agent: fields
            .optional_string("userAgent")?
            .map(UserAgent::sanitize),
        credentials_stamp: stamp(&fields)?,
    })
}

/// `credentialsStamp`; documents written before stamps existed have none.
fn stamp(fields: &Fields<'_>) -> StoreResult<CredentialsStamp> {
    match fields.optional_string("credentialsStamp")? {
        None => Ok(CredentialsStamp::initial()),
        Some(text) => {
            CredentialsStamp::from_stored(text).ok_or_else(|| fields.corrupt("credentialsStamp"))
        }
    }
}

pub(super) fn consultant_document(consultant: &Consultant) -> Document {
    let mut hours = Document::new();
    for (day, window) in consultant.working_hours.days() {
        hours.insert(
            day,
            vec![
                window.start().format("%H:%M").to_string(),
                window.end().format("%H:%M").to_string(),
            ],
        );
    }
    doc! {
        "_id": object_id(consultant.id.bytes()),
        "name": consultant.name.as_str(),
        "specialties": &consultant.specialties,
        "languages": &consultant.languages,
        "timezone": consultant.timezone.name(),
        "workingHours": hours,
        "bufferMinutes": consultant.rules.buffer().minutes(),
        "minimumNoticeMinutes": i64::from(consultant.rules.minimum_notice_minutes()),
        "bookingHorizonDays": i64::from(consultant.rules.booking_horizon_days()),
        "timeOff": consultant.time_off.iter().map(time_off_document).collect::<Vec<_>>(),
    }
}

/// A time off as embedded in its consultant's document.
pub(super) fn time_off_document(time_off: &TimeOff) -> Document {
    doc! {
        "id": time_off.id.to_string(),
        "startsAt": date(time_off.starts_at),
        "endsAt": date(time_off.ends_at),
        "reason": time_off.reason.as_str(),
        "createdAt": date(time_off.created_at),
    }
}

fn time_off_from(consultant: ConsultantId, document: &Document) -> StoreResult<TimeOff> {
    let fields = Fields {
        document,
        collection: "consultants",
    };
    Ok(TimeOff {
        id: fields.domain("id", TimeOffId::parse)?,
        consultant_id: consultant,
        starts_at: fields.instant("startsAt")?,
        ends_at: fields.instant("endsAt")?,
        reason: fields.string("reason")?.to_owned(),
        created_at: fields.instant("createdAt")?,
    })
}

/// The embedded time off, by start; none in documents written before it.
fn time_offs_from(consultant: ConsultantId, fields: &Fields<'_>) -> StoreResult<Vec<TimeOff>> {
    let Some(entries) = fields.document.get("timeOff") else {
        return Ok(Vec::new());
    };
    let entries = entries
        .as_array()
        .ok_or_else(|| fields.corrupt("timeOff"))?;
    let mut time_off = entries
        .iter()
        .map(|entry| {
            let entry = entry
                .as_document()
                .ok_or_else(|| fields.corrupt("timeOff"))?;
            time_off_from(consultant, entry)
        })
        .collect::<StoreResult<Vec<_>>>()?;
    time_off.sort_by_key(|off| (off.starts_at, off.id));
    Ok(time_off)
}

/// The rules fields of a consultant document; documents written before
/// rules existed get the defaults.
fn rules_from(fields: &Fields<'_>) -> StoreResult<BookingRules> {
    if !fields.document.contains_key("bufferMinutes") {
        return Ok(BookingRules::DEFAULT);
    }
    BookingRules::new(
        fields.integer("bufferMinutes")?,
        fields.integer("minimumNoticeMinutes")?,
        fields.integer("bookingHorizonDays")?,
    )
    .map_err(|_| fields.corrupt("bufferMinutes"))
}

pub(super) fn consultant_from(document: &Document) -> StoreResult<Consultant> {
    let fields = Fields {
        document,
        collection: "consultants",
    };
    let hours = document
        .get_document("workingHours")
        .map_err(|_| fields.corrupt("workingHours"))?;
    // Rebuild the canonical text form (mon=09:00-17:00,…) and parse it once.
    let days = Fields {
        document: hours,
        collection: "consultants",
    };
    let mut text = Vec::new();
    for day in hours.keys() {
        let window = days.strings(day)?;
        let [start, end] = window.as_slice() else {
            return Err(fields.corrupt("workingHours"));
        };
        text.push(format!("{day}={start}-{end}"));
    }
    let id = ConsultantId::from_bytes(fields.object_id()?);
    Ok(Consultant {
        id,
        name: fields.domain("name", |text| PersonName::parse(text).ok())?,
        specialties: fields.strings("specialties")?,
        languages: fields.strings("languages")?,
        timezone: fields.domain("timezone", |name| name.parse().ok())?,
        working_hours: text
            .join(",")
            .parse::<WorkingHours>()
            .map_err(|_| fields.corrupt("workingHours"))?,
        rules: rules_from(&fields)?,
        time_off: time_offs_from(id, &fields)?,
    })
}

pub(super) fn booking_document(booking: &Booking) -> Document {
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
    }
}

pub(super) fn booking_from(document: &Document) -> StoreResult<Booking> {
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
            CancellationReason::parse(text).map_err(|_| fields.corrupt("cancellationReason"))
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
            destination: fields.domain("destination", |text| Destination::parse(text).ok())?,
            travelers: Travelers::parse(fields.integer("travelers")?)
                .map_err(|_| fields.corrupt("travelers"))?,
            notes: fields.domain("notes", |text| Notes::parse(text).ok())?,
        },
        status: fields.domain("status", BookingStatus::parse)?,
        cancellation_reason: reason,
        version: u32::try_from(fields.integer("version")?)
            .map_err(|_| fields.corrupt("version"))?,
        created_at: fields.instant("createdAt")?,
        updated_at: fields.instant("updatedAt")?,
    })
}

/// The `_id` of the claim on `slot` of `consultant`: unique per pair.
pub(super) fn claim_id(consultant: ConsultantId, slot: Slot) -> String {
    format!("{consultant}:{}", slot.start().timestamp_millis())
}

pub(super) fn claim_document(booking: &Booking, slot: Slot, claimed_at: DateTime<Utc>) -> Document {
    doc! {
        "_id": claim_id(booking.consultant_id, slot),
        "consultantId": booking.consultant_id.to_string(),
        "slotStart": date(slot.start()),
        "bookingId": booking.id.to_string(),
        "claimedAt": date(claimed_at),
    }
}

/// A claim as read back: which booking holds which slot, since when.
pub(super) struct Claim {
    pub id: String,
    pub slot: Slot,
    pub booking: BookingId,
    pub claimed_at: DateTime<Utc>,
}

pub(super) fn claim_from(document: &Document) -> StoreResult<Claim> {
    let fields = Fields {
        document,
        collection: "booking_slots",
    };
    Ok(Claim {
        id: fields.string("_id")?.to_owned(),
        slot: Slot::starting_at(fields.instant("slotStart")?)
            .ok_or_else(|| fields.corrupt("slotStart"))?,
        booking: fields.domain("bookingId", BookingId::parse)?,
        claimed_at: fields.instant("claimedAt")?,
    })
}
