//! Login attempt places and trusted devices in MongoDB.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Document, doc};
use mongodb::options::FindOptions;
use rand::RngCore;
use rand::rngs::OsRng;

use super::documents::{Fields, date};
use super::{MongoStore, classify, find_all, is_duplicate_key};
use crate::domain::{
    AttemptPlace, LoginThrottle, Reservation, ThrottleKey, TokenHash, TrustedDevice, UserId,
};
use crate::store::{StoreResult, ThrottleStore};

impl MongoStore {
    async fn attempt_places(&self, key: &ThrottleKey) -> StoreResult<Vec<(AttemptPlace, String)>> {
        find_all(
            &self.login_attempts,
            doc! {"key": key.as_str()},
            FindOptions::default(),
            attempt_from,
        )
        .await
    }

    /// Takes `place`: inserts it if nobody holds it, or replaces the stale
    /// attempt `previous` still holding it. Whether this attempt got it.
    async fn take_place(
        &self,
        key: &ThrottleKey,
        place: u32,
        previous: Option<&str>,
        window_end: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut attempt = [0u8; 8];
        OsRng.fill_bytes(&mut attempt);
        let document = attempt_document(key, place, &hex::encode(attempt), now, window_end);
        match previous {
            None => match self.login_attempts.insert_one(document).await {
                Ok(_) => Ok(true),
                Err(error) if is_duplicate_key(&error) => Ok(false),
                Err(error) => Err(classify(error)),
            },
            Some(previous) => {
                let filter =
                    doc! {"_id": document.get_str("_id").unwrap_or_default(), "attempt": previous};
                let replaced = self
                    .login_attempts
                    .replace_one(filter, document)
                    .await
                    .map_err(classify)?;
                Ok(replaced.matched_count == 1)
            }
        }
    }
}

#[async_trait]
impl ThrottleStore for MongoStore {
    async fn reserve_attempt(
        &self,
        key: &ThrottleKey,
        throttle: &LoginThrottle,
        now: DateTime<Utc>,
    ) -> StoreResult<Reservation> {
        // Each lost race means another attempt took a place, so after at
        // most `max_failures` losses every place is held and we are refused.
        for _ in 0..=throttle.max_failures {
            let held = self.attempt_places(key).await?;
            let places: Vec<AttemptPlace> = held.iter().map(|(place, _)| *place).collect();
            let place = match throttle.free_place(&places, now) {
                Ok(place) => place,
                Err(retry_at) => return Ok(Reservation::Refused { retry_at }),
            };
            let previous = held
                .iter()
                .find(|(held, _)| held.index == place)
                .map(|(_, attempt)| attempt.as_str());
            if self
                .take_place(key, place, previous, now + throttle.window, now)
                .await?
            {
                return Ok(Reservation::Granted);
            }
        }
        let retry_at = now + throttle.window;
        Ok(Reservation::Refused { retry_at })
    }

    async fn clear_attempts(&self, key: &ThrottleKey) -> StoreResult<()> {
        self.login_attempts
            .delete_many(doc! {"key": key.as_str()})
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn insert_trusted_device(&self, device: &TrustedDevice) -> StoreResult<()> {
        self.trusted_devices
            .insert_one(trusted_device_document(device))
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn find_trusted_device(
        &self,
        token_hash: &TokenHash,
    ) -> StoreResult<Option<TrustedDevice>> {
        self.trusted_devices
            .find_one(doc! {"_id": token_hash.as_str()})
            .await
            .map_err(classify)?
            .as_ref()
            .map(trusted_device_from)
            .transpose()
    }
}

/// An attempt place: `_id` is `<key>#<place>`, so taking a free place is one
/// insert that only one attempt can win; `attempt` (random) lets a stale
/// place be taken over by one conditional replace.
fn attempt_document(
    key: &ThrottleKey,
    place: u32,
    attempt: &str,
    at: DateTime<Utc>,
    forget_at: DateTime<Utc>,
) -> Document {
    doc! {
        "_id": format!("{}#{place}", key.as_str()),
        "key": key.as_str(),
        "place": i64::from(place),
        "attempt": attempt,
        "at": date(at),
        "forgetAt": date(forget_at),
    }
}

/// A held attempt place and the random id of the attempt holding it.
fn attempt_from(document: &Document) -> StoreResult<(AttemptPlace, String)> {
    let fields = Fields {
        document,
        collection: "login_attempts",
    };
    let index = u32::try_from(fields.integer("place")?).map_err(|_| fields.corrupt("place"))?;
    Ok((
        AttemptPlace {
            index,
            at: fields.instant("at")?,
        },
        fields.string("attempt")?.to_owned(),
    ))
}

fn trusted_device_document(device: &TrustedDevice) -> Document {
    doc! {
        "_id": device.token_hash.as_str(),
        "userId": device.user_id.to_string(),
        "createdAt": date(device.created_at),
        "expiresAt": date(device.expires_at),
    }
}

fn trusted_device_from(document: &Document) -> StoreResult<TrustedDevice> {
    let fields = Fields {
        document,
        collection: "trusted_devices",
    };
    Ok(TrustedDevice {
        token_hash: TokenHash::from_hex(fields.string("_id")?.to_owned()),
        user_id: fields.domain("userId", UserId::parse)?,
        created_at: fields.instant("createdAt")?,
        expires_at: fields.instant("expiresAt")?,
    })
}
