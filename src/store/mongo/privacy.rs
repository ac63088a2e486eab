//! What the service holds about a person, in MongoDB: the consents kept
//! in their user document, and the audit entries by or about them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;

use super::audit::entry_from;
use super::documents::{Fields, date, object_id, user_from};
use super::{MongoStore, classify, find_all};
use crate::domain::{
    AuditAction, AuditEntry, Consent, ConsultantId, Effects, Erasure, PasswordHash, Role,
    TermsVersion, User, UserId,
};
use crate::store::{PrivacyStore, StoreResult};

/// The user document's field holding its consents.
pub(super) const CONSENTS: &str = "consents";

/// `consent` as an item of the user document's consents.
pub(super) fn consent_document(consent: &Consent) -> Document {
    doc! {
        "termsVersion": consent.terms_version.as_str(),
        "acceptedAt": date(consent.accepted_at),
        "clientAddress": consent.client_address.map(|address| address.to_string()),
    }
}

fn consent_from(user: UserId, document: &Document) -> StoreResult<Consent> {
    let fields = Fields {
        document,
        collection: "users",
    };
    Ok(Consent {
        user_id: user,
        terms_version: TermsVersion::parse(fields.string("termsVersion")?)
            .map_err(|_| fields.corrupt("termsVersion"))?,
        accepted_at: fields.instant("acceptedAt")?,
        client_address: fields
            .optional_string("clientAddress")?
            .map(|text| text.parse().map_err(|_| fields.corrupt("clientAddress")))
            .transpose()?,
    })
}

#[async_trait]
impl PrivacyStore for MongoStore {
    async fn consents_of(&self, user: UserId) -> StoreResult<Vec<Consent>> {
        let found = self
            .users
            .find_one(doc! {"_id": object_id(user.bytes())})
            .projection(doc! {CONSENTS: 1})
            .await
            .map_err(classify)?;
        let Some(Ok(consents)) = found.as_ref().map(|document| document.get_array(CONSENTS)) else {
            return Ok(Vec::new());
        };
        consents
            .iter()
            .filter_map(Bson::as_document)
            .map(|document| consent_from(user, document))
            .collect()
    }

    async fn audit_about(
        &self,
        user: UserId,
        consultant: Option<ConsultantId>,
    ) -> StoreResult<Vec<AuditEntry>> {
        self.move_pending_audit().await?;
        let mut theirs = vec![doc! {"customerId": user.to_string()}];
        if let Some(consultant) = consultant {
            theirs.push(doc! {"consultantId": consultant.to_string()});
        }
        let ids = FindOptions::builder().projection(doc! {"_id": 1}).build();
        let bookings = find_all(&self.bookings, doc! {"$or": theirs}, ids, |document| {
            Ok(document.get_object_id("_id").map(|id| id.to_hex()).ok())
        })
        .await?;
        let mut targets: Vec<String> = bookings.into_iter().flatten().collect();
        targets.push(user.to_string());
        let filter = doc! {"$or": [
            {"actorId": user.to_string()},
            {"targetId": {"$in": targets}},
        ]};
        let oldest_first = FindOptions::builder()
            .sort(doc! {"at": 1, "_id": 1})
            .build();
        find_all(&self.audit, filter, oldest_first, entry_from).await
    }

    async fn begin_erasure(
        &self,
        account: &User,
        password_hash: &PasswordHash,
        erasure: &Erasure,
        effects: &Effects,
    ) -> StoreResult<bool> {
        self.begin(account, password_hash, erasure, effects).await
    }

    async fn unfinished_erasures(&self) -> StoreResult<Vec<Erasure>> {
        self.unfinished().await
    }

    async fn finish_erasure(&self, erasure: &Erasure) -> StoreResult<()> {
        self.finish(erasure).await
    }

    async fn dormant_customers(&self, since: DateTime<Utc>) -> StoreResult<Vec<User>> {
        // Logins waiting in their sessions' documents count too.
        self.move_pending_audit().await?;
        let customers = doc! {
            "role": Role::Customer.as_str(), "active": {"$ne": false}, "erasure": {"$exists": false},
            "createdAt": {"$lt": date(since)},
        };
        let options = FindOptions::builder()
            .projection(doc! {"passwordHash": 0})
            .build();
        let mut dormant = Vec::new();
        for user in find_all(&self.users, customers, options, user_from).await? {
            let id = user.id.to_string();
            let logged_in = doc! {
                "targetId": &id, "action": AuditAction::UserLogin.as_str(),
                "at": {"$gte": date(since)},
            };
            let booked = doc! {"customerId": &id, "$or": [
                {"createdAt": {"$gte": date(since)}},
                {"startsAt": {"$gte": date(since)}},
            ]};
            if self
                .audit
                .count_documents(logged_in)
                .await
                .map_err(classify)?
                == 0
                && self
                    .bookings
                    .count_documents(booked)
                    .await
                    .map_err(classify)?
                    == 0
            {
                dormant.push(user);
            }
        }
        Ok(dormant)
    }
}
