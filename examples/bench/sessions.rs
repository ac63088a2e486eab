//! Many valid sessions, written straight into the store the service uses:
//! creating 100,000 through the API would cost 100,000 Argon2 hashes.

use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{TimeDelta, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use secrecy::SecretString;
use tripdesk::config::StoreSettings;
use tripdesk::domain::{Effects, Email, Session, SessionPolicy, SessionToken};
use tripdesk::startup::open_store;

use crate::server::Backend;

/// Inserts `count` valid sessions for the account `email`; returns their tokens.
pub async fn seed(backend: &Backend, email: &str, count: usize) -> Result<Vec<String>> {
    let settings = match backend {
        Backend::Sqlite(path) => StoreSettings::Sqlite {
            path: path.clone(),
            session_retention: TimeDelta::days(30),
        },
        Backend::Mongo { uri, database } => StoreSettings::Mongo {
            uri: SecretString::from(uri.clone()),
            database: database.clone(),
            session_retention: TimeDelta::days(30),
        },
    };
    let store = open_store(&settings).await?;
    let email = Email::parse(email).ok().context("bench email")?;
    let user = store
        .find_credentials(&email)
        .await?
        .context("the bench account exists")?
        .user;
    let policy = SessionPolicy {
        ttl: TimeDelta::days(14),
        idle_timeout: TimeDelta::days(7),
        admin_idle_timeout: TimeDelta::minutes(30),
    };
    stream::iter(0..count)
        .map(|_| {
            let store = Arc::clone(&store);
            let (user_id, stamp) = (user.id, user.credentials_stamp);
            async move {
                let token = SessionToken::generate();
                let session =
                    Session::start(user_id, stamp, token.hash(), None, Utc::now(), &policy);
                store.insert_session(&session, &Effects::default()).await?;
                anyhow::Ok(token.expose().to_owned())
            }
        })
        .buffer_unordered(32)
        .try_collect()
        .await
}
