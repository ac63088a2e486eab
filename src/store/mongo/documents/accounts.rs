//! Users and sessions as documents.

use chrono::TimeDelta;
use mongodb::bson::{Bson, Document, doc};

use super::{Fields, date, object_id};
use crate::domain::{
    ConsultantId, CredentialsStamp, Email, Locale, PasswordHash, PersonName, Role, Session,
    SessionId, SessionStatus, TokenHash, User, UserAgent, UserId,
};
use crate::store::StoreResult;

pub(in crate::store::mongo) fn user_document(user: &User, hash: &PasswordHash) -> Document {
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
        "active": user.active,
        "locale": user.locale.as_str(),
        "timezone": user.timezone.map(|zone| zone.name()),
    }
}

pub(in crate::store::mongo) fn user_from(document: &Document) -> StoreResult<User> {
    let fields = Fields {
        document,
        collection: "users",
    };
    let role = match fields.optional_string("consultantId")? {
        None if fields.optional_string("role")? == Some("admin") => Role::Admin,
        None => Role::Customer,
        Some(id) => {
            Role::Consultant(ConsultantId::parse(id).ok_or_else(|| fields.corrupt("consultantId"))?)
        }
    };
    Ok(User {
        id: UserId::from_bytes(fields.object_id()?),
        email: fields.domain("email", |text| Email::from_stored(text.to_owned()))?,
        name: fields.domain("name", PersonName::from_stored)?,
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
        active: flag(&fields, "active", true)?,
        // Documents written before languages existed are English.
        locale: match fields.optional_string("locale")? {
            None => Locale::En,
            Some(tag) => Locale::of_tag(tag).ok_or_else(|| fields.corrupt("locale"))?,
        },
        timezone: fields
            .optional_string("timezone")?
            .map(|zone| zone.parse().map_err(|_| fields.corrupt("timezone")))
            .transpose()?,
        totp: fields.optional_string("totpState")? == Some("confirmed"),
        passkeys: match document.get("passkeyCount") {
            None => 0,
            Some(_) => u32::try_from(fields.integer("passkeyCount")?)
                .map_err(|_| fields.corrupt("passkeyCount"))?,
        },
        role,
    })
}

pub(in crate::store::mongo) fn password_hash_from(
    document: &Document,
) -> StoreResult<PasswordHash> {
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
pub(in crate::store::mongo) fn session_document(
    session: &Session,
    retention: TimeDelta,
) -> Document {
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
        "secondFactor": session.second_factor,
        "purgeAt": date(session.expires_at + retention),
    }
}

pub(in crate::store::mongo) fn session_from(document: &Document) -> StoreResult<Session> {
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
        second_factor: flag(&fields, "secondFactor", false)?,
    })
}

/// A boolean field, `default` when absent (documents written before it
/// existed). The test server stores a boolean `$set` as a number.
pub(in crate::store::mongo) fn flag(
    fields: &Fields<'_>,
    key: &str,
    default: bool,
) -> StoreResult<bool> {
    match fields.document.get(key) {
        None => Ok(default),
        Some(Bson::Int32(flag)) => Ok(*flag != 0),
        Some(Bson::Int64(flag)) => Ok(*flag != 0),
        Some(value) => value.as_bool().ok_or_else(|| fields.corrupt(key)),
    }
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
