//! The MongoDB store: what production runs on, and how tripdesk scales past
//! one machine (any number of stateless app instances, one replica set).
//!
//! Collections: `users`, `sessions`, `consultants`, `bookings`,
//! `login_attempts` (attempt places, for throttling), `trusted_devices`
//! (device cookies), `idempotency_keys`, `outbox` (booking notifications
//! and account mails: see `outbox.rs`), `account_tokens` (hashes of reset
//! and verification tokens), `audit` (the log), `api_keys`, and
//! `booking_slots`, which holds one *claim* document per occupied
//! (consultant, 30-minute slot), keyed by `_id`. Because `_id` is unique on
//! every MongoDB deployment (and every compatible server), inserting a claim is
//! one atomic write that cannot succeed twice for the same slot: that is what
//! makes double booking impossible. No multi-document transaction is needed,
//! so a standalone server works as well as a replica set.
//!
//! Multi-document changes are ordered so that one invariant always holds —
//! every slot of a live booking is claimed — and compensated when a later step
//! fails. What a failure can leave behind is at worst a claim nobody needs,
//! which blocks a slot but never double-books it; such claims are repaired
//! when a booking runs into one (see `claims.rs`).
//!
//! `_id`s are ObjectIds. References between documents (`userId`,
//! `customerId`, `consultantId`, `bookingId`) are the ids' hex strings: the
//! MongoDB-compatible server the tests run on cannot match ObjectId values in
//! fields other than `_id`, and strings behave the same everywhere.

mod account_tokens;
mod api_keys;
mod assignment;
mod audit;
mod booking_writes;
mod bookings;
mod calendar;
mod claims;
mod consultants;
mod documents;
mod erasure;
mod idempotency;
mod mfa;
mod outbox;
mod passkeys;
mod privacy;
mod sessions;
mod surroundings;
mod throttle;
mod users;
mod webhook_attempts;
mod webhooks;

use std::time::Duration;

use async_trait::async_trait;
use chrono::TimeDelta;
use mongodb::bson::{Document, doc};
use mongodb::error::{ErrorKind, WriteFailure};
use mongodb::options::{ClientOptions, FindOptions, IndexOptions};
use mongodb::{Client, Collection, Database, IndexModel};
use secrecy::{ExposeSecret, SecretString};

use super::{Store, StoreError, StoreResult};

/// How long to look for a usable server before answering 503, unless the
/// connection string says otherwise (`serverSelectionTimeoutMS`).
const SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(3);
/// How long to wait for a TCP connection, unless the connection string says.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// The MongoDB implementation of [`Store`].
pub struct MongoStore {
    database: Database,
    users: Collection<Document>,
    sessions: Collection<Document>,
    consultants: Collection<Document>,
    bookings: Collection<Document>,
    claims: Collection<Document>,
    login_attempts: Collection<Document>,
    trusted_devices: Collection<Document>,
    idempotency_keys: Collection<Document>,
    recovery_codes: Collection<Document>,
    mfa_challenges: Collection<Document>,
    passkeys: Collection<Document>,
    passkey_ceremonies: Collection<Document>,
    outbox: Collection<Document>,
    account_tokens: Collection<Document>,
    audit: Collection<Document>,
    api_keys: Collection<Document>,
    webhooks: Collection<Document>,
    webhook_deliveries: Collection<Document>,
    /// How long expired sessions are kept before the TTL index removes them.
    session_retention: TimeDelta,
}

impl MongoStore {
    /// Connects to `database` at `uri` and creates the indexes (idempotently).
    pub async fn connect(
        uri: &SecretString,
        database: &str,
        session_retention: TimeDelta,
    ) -> StoreResult<Self> {
        let mut options = ClientOptions::parse(uri.expose_secret())
            .await
            .map_err(classify)?;
        options
            .server_selection_timeout
            .get_or_insert(SERVER_SELECTION_TIMEOUT);
        options.connect_timeout.get_or_insert(CONNECT_TIMEOUT);
        options
            .app_name
            .get_or_insert_with(|| "tripdesk".to_owned());
        let client = Client::with_options(options).map_err(classify)?;
        let database = client.database(database);
        let store = Self {
            users: database.collection("users"),
            sessions: database.collection("sessions"),
            consultants: database.collection("consultants"),
            bookings: database.collection("bookings"),
            claims: database.collection("booking_slots"),
            login_attempts: database.collection("login_attempts"),
            trusted_devices: database.collection("trusted_devices"),
            outbox: database.collection("outbox"),
            account_tokens: database.collection("account_tokens"),
            audit: database.collection("audit"),
            api_keys: database.collection("api_keys"),
            webhooks: database.collection("webhooks"),
            webhook_deliveries: database.collection("webhook_deliveries"),
            idempotency_keys: database.collection("idempotency_keys"),
            recovery_codes: database.collection("recovery_codes"),
            mfa_challenges: database.collection("mfa_challenges"),
            passkeys: database.collection("passkeys"),
            passkey_ceremonies: database.collection("passkey_ceremonies"),
            database,
            session_retention,
        };
        store.create_indexes().await?;
        Ok(store)
    }

    async fn create_indexes(&self) -> StoreResult<()> {
        for (collection, indexes) in self.indexes() {
            collection.create_indexes(indexes).await.map_err(classify)?;
        }
        Ok(())
    }

    /// Every collection's indexes.
    fn indexes(&self) -> [(&Collection<Document>, Vec<IndexModel>); 18] {
        let audit_pending = || index(doc! {"auditPending": 1}, "audit_pending");
        [
            (
                &self.users,
                vec![unique(doc! {"email": 1}, "email_unique"), audit_pending()],
            ),
            (
                &self.sessions,
                vec![
                    unique(doc! {"tokenHash": 1}, "token_hash_unique"),
                    index(doc! {"userId": 1, "createdAt": -1}, "by_user"),
                    ttl("purgeAt", "purge_after_retention"),
                    audit_pending(),
                ],
            ),
            (
                &self.bookings,
                vec![
                    index(doc! {"customerId": 1, "startsAt": 1}, "by_customer_start"),
                    index(
                        doc! {"customerId": 1, "createdAt": -1},
                        "by_customer_creation",
                    ),
                    index(
                        doc! {"consultantId": 1, "createdAt": -1},
                        "by_consultant_creation",
                    ),
                    index(
                        doc! {"consultantId": 1, "startsAt": 1},
                        "by_consultant_start",
                    ),
                    index(doc! {"startsAt": 1}, "by_start"),
                    index(doc! {"outboxPending": 1}, "outbox_pending"),
                    audit_pending(),
                ],
            ),
            (
                &self.audit,
                vec![
                    index(doc! {"targetId": 1, "at": 1}, "by_target"),
                    index(doc! {"actorId": 1, "at": 1}, "by_actor"),
                    index(doc! {"at": 1}, "by_time"),
                ],
            ),
            (
                &self.login_attempts,
                vec![
                    index(doc! {"key": 1}, "by_key"),
                    ttl("forgetAt", "forget_after_window"),
                ],
            ),
            (
                &self.trusted_devices,
                vec![ttl("expiresAt", "forget_when_untrusted")],
            ),
            (
                &self.outbox,
                vec![
                    index(doc! {"state": 1, "nextAttemptAt": 1}, "due"),
                    ttl("purgeAt", "purge_when_finished"),
                    audit_pending(),
                ],
            ),
            (
                &self.account_tokens,
                vec![
                    index(doc! {"userId": 1, "purpose": 1}, "by_user_purpose"),
                    ttl("expiresAt", "forget_when_expired"),
                ],
            ),
            (
                &self.consultants,
                vec![
                    index(doc! {"calendarFeedHash": 1}, "by_calendar_feed"),
                    audit_pending(),
                ],
            ),
            (
                &self.api_keys,
                vec![
                    unique(doc! {"keyHash": 1}, "key_hash_unique"),
                    audit_pending(),
                ],
            ),
            (&self.webhooks, vec![audit_pending()]),
            (
                &self.webhook_deliveries,
                vec![
                    unique(doc! {"webhookId": 1, "eventId": 1}, "one_per_event"),
                    index(doc! {"status": 1, "nextAttemptAt": 1}, "due"),
                ],
            ),
            (
                &self.idempotency_keys,
                vec![ttl("expiresAt", "forget_after_a_day")],
            ),
            (
                &self.recovery_codes,
                vec![index(doc! {"userId": 1}, "by_user")],
            ),
            (
                &self.mfa_challenges,
                vec![ttl("expiresAt", "forget_when_expired")],
            ),
            (
                &self.passkeys,
                vec![
                    unique(doc! {"credentialId": 1}, "credential_unique"),
                    index(doc! {"userId": 1, "createdAt": 1}, "by_user"),
                    audit_pending(),
                ],
            ),
            (
                &self.passkey_ceremonies,
                vec![ttl("expiresAt", "forget_when_expired")],
            ),
            (
                &self.claims,
                vec![
                    index(
                        doc! {"consultantId": 1, "slotStart": 1},
                        "by_consultant_slot",
                    ),
                    index(doc! {"bookingId": 1}, "by_booking"),
                ],
            ),
        ]
    }
}

fn index(keys: Document, name: &str) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(IndexOptions::builder().name(name.to_owned()).build())
        .build()
}

fn unique(keys: Document, name: &str) -> IndexModel {
    IndexModel::builder()
        .keys(keys)
        .options(
            IndexOptions::builder()
                .name(name.to_owned())
                .unique(true)
                .build(),
        )
        .build()
}

/// Removes each document once the instant in `field` has passed.
fn ttl(field: &str, name: &str) -> IndexModel {
    IndexModel::builder()
        .keys(doc! {field: 1})
        .options(
            IndexOptions::builder()
                .name(name.to_owned())
                .expire_after(Duration::ZERO)
                .build(),
        )
        .build()
}

/// Server error codes that mean "not now" rather than "never": shutdown,
/// step-down, elections, network trouble between members.
const TRANSIENT_CODES: [i32; 12] = [
    6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436,
];

/// Whether `error` is a duplicate-key violation (code 11000).
fn is_duplicate_key(error: &mongodb::error::Error) -> bool {
    match error.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(failure)) => failure.code == 11000,
        ErrorKind::InsertMany(failure) => failure
            .write_errors
            .as_ref()
            .is_some_and(|errors| errors.iter().any(|error| error.code == 11000)),
        ErrorKind::Command(failure) => failure.code == 11000,
        _ => false,
    }
}

/// Maps a driver error: unreachable or failing-over servers are
/// [`StoreError::Unavailable`] (503, and fine again once the server is back),
/// anything else [`StoreError::Internal`].
fn classify(error: mongodb::error::Error) -> StoreError {
    let transient = match error.kind.as_ref() {
        ErrorKind::ServerSelection { .. }
        | ErrorKind::Io(_)
        | ErrorKind::ConnectionPoolCleared { .. }
        | ErrorKind::DnsResolve { .. }
        | ErrorKind::Shutdown => true,
        ErrorKind::Command(failure) => TRANSIENT_CODES.contains(&failure.code),
        _ => [
            "RetryableWriteError",
            "TransientTransactionError",
            "RetryableError",
        ]
        .iter()
        .any(|label| error.contains_label(label)),
    };
    if transient {
        StoreError::Unavailable(error.into())
    } else {
        StoreError::Internal(error.into())
    }
}

/// Maps a duplicate-key violation to `conflict`, anything else as usual.
fn unique_violation(conflict: StoreError) -> impl FnOnce(mongodb::error::Error) -> StoreError {
    move |error| {
        if is_duplicate_key(&error) {
            conflict
        } else {
            classify(error)
        }
    }
}

/// Runs a find and converts every document.
pub(super) async fn find_all<T>(
    collection: &Collection<Document>,
    filter: Document,
    options: FindOptions,
    convert: impl Fn(&Document) -> StoreResult<T>,
) -> StoreResult<Vec<T>> {
    let mut cursor = collection
        .find(filter)
        .with_options(options)
        .await
        .map_err(classify)?;
    let mut items = Vec::new();
    while cursor.advance().await.map_err(classify)? {
        items.push(convert(&cursor.deserialize_current().map_err(classify)?)?);
    }
    Ok(items)
}

#[async_trait]
impl Store for MongoStore {
    async fn ping(&self) -> StoreResult<()> {
        self.database
            .run_command(doc! {"ping": 1})
            .await
            .map_err(classify)?;
        Ok(())
    }

    async fn purge_ended(&self, _now: chrono::DateTime<chrono::Utc>) -> StoreResult<u64> {
        Ok(0)
    }
}
