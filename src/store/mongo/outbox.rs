//! The outbox in MongoDB. A booking change embeds its messages in the
//! booking document it writes (field `outbox`, with `outboxPending: "1"`),
//! so they are stored by the same single-document write as the change.
//! They move to the `outbox` collection, keyed by message id (a repeated
//! move inserts nothing twice), before the booking's next change and
//! whenever a dispatcher looks for work. Account mails are inserted into
//! the collection directly (`kind` names them; booking messages have none
//! or `booking`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;

use super::audit::with_audit;
use super::documents::{Fields, date, object_id};
use super::{MongoStore, classify, find_all, is_duplicate_key};
use crate::domain::{
    AccountMail, AccountMessage, Booking, BookingEvent, ConsultantId, DeliveryState, KEEP_FINISHED,
    OutboxMessage, Outgoing, Recipients,
};
use crate::store::{Finished, OutboxStore, StoreError, StoreResult, follow_ups, snapshot};

pub(super) const EMBEDDED: &str = "outbox";
pub(super) const PENDING_FLAG: &str = "outboxPending";

/// `document` (a booking) carrying `messages`.
pub(super) fn with_messages(mut document: Document, messages: &[OutboxMessage]) -> Document {
    if !messages.is_empty() {
        let embedded: Vec<Bson> = messages
            .iter()
            .map(|message| Bson::Document(new_message_document(message)))
            .collect();
        document.insert(EMBEDDED, embedded);
        document.insert(PENDING_FLAG, "1");
    }
    document
}

impl MongoStore {
    /// Withdraws the reminders of `booking`'s earlier versions waiting in
    /// the outbox collection (see the SQLite store's `withdraw_reminders`);
    /// its current version's, which a dispatcher may have moved there
    /// meanwhile, stays.
    pub(super) async fn withdraw_reminders(&self, booking: &Booking) -> StoreResult<()> {
        let current = OutboxMessage::id_of(booking, BookingEvent::Reminder);
        let waiting = doc! {
            "bookingId": booking.id.to_string(),
            "event": BookingEvent::Reminder.as_str(),
            "state": DeliveryState::Pending.as_str(),
            "_id": {"$ne": current},
        };
        self.outbox.delete_many(waiting).await.map_err(classify)?;
        Ok(())
    }

    /// Inserts the messages embedded in `booking_document` into the outbox
    /// collection, ignoring those already there.
    pub(super) async fn insert_embedded(&self, booking_document: &Document) -> StoreResult<()> {
        let Ok(embedded) = booking_document.get_array(EMBEDDED) else {
            return Ok(());
        };
        for message in embedded {
            let Some(message) = message.as_document() else {
                return Err(StoreError::Internal(
                    "corrupt embedded outbox message".into(),
                ));
            };
            self.insert_once(message.clone()).await?;
        }
        Ok(())
    }

    /// Inserts a message document into the outbox collection unless one
    /// with its id is there already.
    async fn insert_once(&self, message: Document) -> StoreResult<()> {
        match self.outbox.insert_one(message).await {
            Ok(_) => Ok(()),
            Err(error) if is_duplicate_key(&error) => Ok(()),
            Err(error) => Err(classify(error)),
        }
    }

    /// Moves the messages embedded in the stored `booking` (at its version)
    /// to the outbox collection. `false` if the stored booking is at another
    /// version (a concurrent change).
    pub(super) async fn move_embedded_messages(&self, booking: &Booking) -> StoreResult<bool> {
        let filter =
            doc! {"_id": object_id(booking.id.bytes()), "version": i64::from(booking.version)};
        let Some(document) = self.bookings.find_one(filter).await.map_err(classify)? else {
            return Ok(false);
        };
        self.insert_embedded(&document).await?;
        Ok(true)
    }

    /// Moves the embedded messages of up to `limit` bookings to the outbox
    /// collection, then removes them from the booking (if it has not
    /// changed meanwhile; a change moved them itself).
    async fn move_pending_embedded(&self, limit: i64) -> StoreResult<()> {
        let options = FindOptions::builder().limit(limit).build();
        let pending = find_all(
            &self.bookings,
            doc! {PENDING_FLAG: "1"},
            options,
            |document| Ok(document.clone()),
        )
        .await?;
        for mut document in pending {
            self.insert_embedded(&document).await?;
            let (Some(id), Some(version)) = (
                document.get("_id").cloned(),
                document.get("version").cloned(),
            ) else {
                return Err(StoreError::Internal("corrupt booking document".into()));
            };
            document.remove(EMBEDDED);
            document.remove(PENDING_FLAG);
            self.bookings
                .replace_one(
                    doc! {"_id": id, "version": version, PENDING_FLAG: "1"},
                    document,
                )
                .await
                .map_err(classify)?;
        }
        Ok(())
    }
}

#[async_trait]
impl OutboxStore for MongoStore {
    async fn claim_due_messages(
        &self,
        now: DateTime<Utc>,
        lease: &str,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> StoreResult<Vec<Outgoing>> {
        self.move_pending_embedded(i64::from(limit) * 4).await?;
        self.move_pending_audit().await?;
        let due = doc! {
            "state": DeliveryState::Pending.as_str(),
            "nextAttemptAt": {"$lte": date(now)},
            "leaseUntil": {"$lte": date(now)},
        };
        let options = FindOptions::builder()
            .sort(doc! {"nextAttemptAt": 1})
            .limit(i64::from(limit))
            .build();
        let candidates = find_all(&self.outbox, due, options, |document| {
            Ok((message_from(document)?, document.clone()))
        })
        .await?;
        let mut claimed = Vec::new();
        for ((message, previous_lease), document) in candidates {
            let next_attempt_at = document
                .get_datetime("nextAttemptAt")
                .ok()
                .and_then(|at| DateTime::from_timestamp_millis(at.timestamp_millis()))
                .unwrap_or(now);
            // One replace conditioned on the lease seen: of two dispatchers
            // that saw the message free, only one takes it.
            let replaced = self
                .outbox
                .replace_one(
                    doc! {"_id": message.id(), "lease": previous_lease.as_str(),
                    "state": DeliveryState::Pending.as_str()},
                    document_of(&message, next_attempt_at, lease, lease_until),
                )
                .await
                .map_err(classify)?;
            if replaced.modified_count == 1 {
                claimed.push(message);
            }
        }
        Ok(claimed)
    }

    async fn insert_account_message(&self, message: &AccountMessage) -> StoreResult<()> {
        let at = message.created_at;
        self.insert_once(account_document(message, at, "", at))
            .await
    }

    async fn finish_messages(&self, lease: &str, finished: &[Finished]) -> StoreResult<()> {
        // Reminders first, keyed: a crash before the outcomes are recorded
        // sends the messages again and stores no reminder twice.
        for reminder in follow_ups(finished) {
            self.insert_once(new_message_document(&reminder)).await?;
        }
        for done in finished {
            let message = &done.message;
            let (finished, next_attempt_at) = done.outcome.apply(message);
            let (created_at, state) = (finished.created_at(), finished.state());
            let next_attempt_at = next_attempt_at.unwrap_or(created_at);
            let mut document = document_of(&finished, next_attempt_at, "", created_at);
            if state != DeliveryState::Pending {
                // The TTL index removes finished messages after a while.
                document.insert("purgeAt", date(created_at + KEEP_FINISHED));
            }
            // Entries of an earlier outcome move out before the document
            // is replaced with this one's.
            self.move_audit_of(&self.outbox, doc! {"_id": message.id()})
                .await?;
            self.outbox
                .replace_one(
                    doc! {"_id": message.id(), "lease": lease},
                    with_audit(document, &done.audit),
                )
                .await
                .map_err(classify)?;
        }
        Ok(())
    }

    async fn pending_messages(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let options = FindOptions::builder().projection(doc! {"_id": 1}).build();
        // `$and` spelled out: the compatible server the tests run on drops
        // a field's condition written beside `$or`.
        let waiting = doc! {"$and": [
            {"state": DeliveryState::Pending.as_str()},
            {"$or": [{"nextAttemptAt": {"$lte": date(now)}}, {"attempts": {"$gt": 0}}]},
        ]};
        let pending = find_all(&self.outbox, waiting, options, |_| Ok(())).await?;
        Ok(pending.len() as u64)
    }
}

/// An outbox message, in the outbox collection or embedded in its booking.
/// `lease` is a string (empty when free), so that taking a message is one
/// replace conditioned on it.
fn message_document(
    message: &OutboxMessage,
    next_attempt_at: DateTime<Utc>,
    lease: &str,
    lease_until: DateTime<Utc>,
) -> Document {
    doc! {
        "_id": message.id.as_str(),
        "bookingId": message.booking.id.to_string(),
        "event": message.event.as_str(),
        "recipients": message.recipients.to_stored(),
        "delivered": message.delivered.to_stored(),
        "formerConsultant": message.former_consultant.map(|id| id.to_string()),
        "snapshot": snapshot::to_json(&message.booking),
        "notBefore": date(message.not_before),
        "reminderAt": message.reminder_at.map(date),
        "createdAt": date(message.created_at),
        "attempts": i64::from(message.attempts),
        "state": message.state.as_str(),
        "nextAttemptAt": date(next_attempt_at),
        "lease": lease,
        "leaseUntil": date(lease_until),
    }
}

/// An account mail's document (see [`message_document`]).
fn account_document(
    message: &AccountMessage,
    next_attempt_at: DateTime<Utc>,
    lease: &str,
    lease_until: DateTime<Utc>,
) -> Document {
    doc! {
        "_id": message.id.as_str(),
        "kind": message.mail.kind(),
        "account": message.mail.target(),
        "createdAt": date(message.created_at),
        "attempts": i64::from(message.attempts),
        "state": message.state.as_str(),
        "nextAttemptAt": date(next_attempt_at),
        "lease": lease,
        "leaseUntil": date(lease_until),
    }
}

fn document_of(
    message: &Outgoing,
    next_attempt_at: DateTime<Utc>,
    lease: &str,
    lease_until: DateTime<Utc>,
) -> Document {
    match message {
        Outgoing::Booking(message) => {
            message_document(message, next_attempt_at, lease, lease_until)
        }
        Outgoing::Account(message) => {
            account_document(message, next_attempt_at, lease, lease_until)
        }
    }
}

/// A new message's document: due at `not_before`, not leased.
fn new_message_document(message: &OutboxMessage) -> Document {
    message_document(message, message.not_before, "", message.created_at)
}

/// A message and its lease (empty when free).
fn message_from(document: &Document) -> StoreResult<(Outgoing, String)> {
    let fields = Fields {
        document,
        collection: "outbox",
    };
    let message = match fields.optional_string("kind")? {
        None | Some("booking") => Outgoing::Booking(booking_message_from(&fields)?),
        Some(_) => Outgoing::Account(account_message_from(&fields)?),
    };
    Ok((message, fields.string("lease")?.to_owned()))
}

fn account_message_from(fields: &Fields<'_>) -> StoreResult<AccountMessage> {
    let mail = AccountMail::from_stored(fields.string("kind")?, fields.string("account")?)
        .ok_or_else(|| fields.corrupt("account"))?;
    Ok(AccountMessage {
        id: fields.string("_id")?.to_owned(),
        mail,
        created_at: fields.instant("createdAt")?,
        attempts: u32::try_from(fields.integer("attempts")?)
            .map_err(|_| fields.corrupt("attempts"))?,
        state: fields.domain("state", DeliveryState::parse)?,
    })
}

fn booking_message_from(fields: &Fields<'_>) -> StoreResult<OutboxMessage> {
    let document = fields.document;
    Ok(OutboxMessage {
        id: fields.string("_id")?.to_owned(),
        booking: snapshot::from_json(fields.string("snapshot")?)?,
        event: fields.domain("event", BookingEvent::parse)?,
        // Messages written before one message served all recipients name
        // their one recipient in `recipient`.
        recipients: if document.contains_key("recipients") {
            fields.domain("recipients", Recipients::parse)?
        } else {
            fields.domain("recipient", Recipients::parse)?
        },
        delivered: if document.contains_key("delivered") {
            fields.domain("delivered", Recipients::parse)?
        } else {
            Recipients::NONE
        },
        former_consultant: fields
            .optional_string("formerConsultant")?
            .map(|id| ConsultantId::parse(id).ok_or_else(|| fields.corrupt("formerConsultant")))
            .transpose()?,
        not_before: fields.instant("notBefore")?,
        reminder_at: match document.get("reminderAt") {
            None | Some(Bson::Null) => None,
            Some(_) => Some(fields.instant("reminderAt")?),
        },
        created_at: fields.instant("createdAt")?,
        attempts: u32::try_from(fields.integer("attempts")?)
            .map_err(|_| fields.corrupt("attempts"))?,
        state: fields.domain("state", DeliveryState::parse)?,
    })
}
