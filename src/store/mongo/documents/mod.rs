//! Mapping between documents and domain types. Field names are camelCase, as
//! in the session model of the tutorials; instants are BSON dates.

mod accounts;
mod bookings;
mod consultants;
mod webhooks;

pub(super) use accounts::*;
pub(super) use bookings::*;
pub(super) use consultants::*;
pub(super) use webhooks::*;

use chrono::{DateTime, Utc};
use mongodb::bson::oid::ObjectId;
use mongodb::bson::{self, Bson, Document};

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
