//! Consultant profiles (rules and time off embedded) as documents.

use mongodb::bson::{Document, doc};

use super::{Fields, date, flag, object_id};
use crate::domain::{
    BookingRules, Consultant, ConsultantId, Mode, PersonName, TimeOff, TimeOffId, WorkingHours,
};
use crate::store::StoreResult;

pub(in crate::store::mongo) fn consultant_document(consultant: &Consultant) -> Document {
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
        "cancellationNoticeMinutes": i64::from(consultant.rules.cancellation_notice_minutes()),
        "timeOff": consultant.time_off.iter().map(time_off_document).collect::<Vec<_>>(),
        "modes": consultant.modes.iter().map(|mode| mode.as_str()).collect::<Vec<_>>(),
        "bio": consultant.bio.as_str(),
        "active": consultant.active,
    }
}

/// A time off as embedded in its consultant's document.
pub(in crate::store::mongo) fn time_off_document(time_off: &TimeOff) -> Document {
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
/// rules (or the cancellation notice) existed get the defaults.
fn rules_from(fields: &Fields<'_>) -> StoreResult<BookingRules> {
    if !fields.document.contains_key("bufferMinutes") {
        return Ok(BookingRules::DEFAULT);
    }
    let cancellation = match fields.document.contains_key("cancellationNoticeMinutes") {
        true => fields.integer("cancellationNoticeMinutes")?,
        false => 0,
    };
    BookingRules::new(
        fields.integer("bufferMinutes")?,
        fields.integer("minimumNoticeMinutes")?,
        fields.integer("bookingHorizonDays")?,
    )
    .and_then(|rules| rules.with_cancellation_notice(cancellation))
    .map_err(|_| fields.corrupt("bufferMinutes"))
}

pub(in crate::store::mongo) fn consultant_from(document: &Document) -> StoreResult<Consultant> {
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
        name: fields.domain("name", PersonName::from_stored)?,
        specialties: fields.strings("specialties")?,
        languages: fields.strings("languages")?,
        timezone: fields.domain("timezone", |name| name.parse().ok())?,
        working_hours: text
            .join(",")
            .parse::<WorkingHours>()
            .map_err(|_| fields.corrupt("workingHours"))?,
        rules: rules_from(&fields)?,
        time_off: time_offs_from(id, &fields)?,
        modes: match document.get("modes") {
            None => Mode::ALL.to_vec(),
            Some(_) => fields
                .strings("modes")?
                .iter()
                .map(|name| Mode::parse(name).map_err(|_| fields.corrupt("modes")))
                .collect::<StoreResult<_>>()?,
        },
        bio: fields
            .optional_string("bio")?
            .unwrap_or_default()
            .to_owned(),
        active: flag(&fields, "active", true)?,
    })
}
