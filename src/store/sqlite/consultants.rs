//! Consultants in SQL.

use std::sync::Arc;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Transaction, params};

use super::SqliteStore;
use super::audit::write_effects;
use super::rows::{self, CONSULTANT_COLUMNS, modes_to_stored};
use super::sessions::{EXPIRED, VALID};
use super::users::{insert_user_row, turn_off_feed_of};
use crate::domain::{Consultant, ConsultantId, Effects, PasswordHash, User, UserId};
use crate::store::{ConsultantStore, StoreError, StoreResult};

fn to_json(items: &[String]) -> StoreResult<String> {
    serde_json::to_string(items).map_err(|error| StoreError::Internal(error.into()))
}

/// The login account of `consultant`, if it has one.
fn account_of(tx: &Transaction<'_>, consultant: ConsultantId) -> StoreResult<Option<UserId>> {
    let id: Option<String> = tx
        .query_row(
            "SELECT id FROM users WHERE consultant_id = ?1",
            [consultant.to_string()],
            |row| row.get(0),
        )
        .optional()?;
    id.map(|id| UserId::parse(&id).ok_or_else(|| StoreError::Internal("corrupt users.id".into())))
        .transpose()
}

#[async_trait]
impl ConsultantStore for SqliteStore {
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
        effects: &Effects,
    ) -> StoreResult<()> {
        let (consultant, effects) = (consultant.clone(), effects.clone());
        let account = account.map(|(user, hash)| (user.clone(), hash.clone()));
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO consultants (id, name, specialties, languages, timezone, working_hours,
                     buffer_minutes, minimum_notice_minutes, booking_horizon_days, modes, bio,
                     active, cancellation_notice_minutes)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    consultant.id.to_string(),
                    consultant.name.as_str(),
                    to_json(&consultant.specialties)?,
                    to_json(&consultant.languages)?,
                    consultant.timezone.name(),
                    consultant.working_hours.to_string(),
                    consultant.rules.buffer().minutes(),
                    consultant.rules.minimum_notice_minutes(),
                    consultant.rules.booking_horizon_days(),
                    modes_to_stored(&consultant.modes),
                    consultant.bio,
                    consultant.active,
                    consultant.rules.cancellation_notice_minutes(),
                ],
            )?;
            if let Some((user, hash)) = account {
                insert_user_row(tx, &user, &hash)?;
            }
            write_effects(tx, &effects)
        })
        .await
    }

    async fn update_profile(
        &self,
        consultant: &Consultant,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let (consultant, effects) = (consultant.clone(), effects.clone());
        let (profiles, sessions) = (Arc::clone(&self.consultants), Arc::clone(&self.sessions));
        let id = consultant.id;
        self.write_then(
            move |tx| {
                let changed = tx.execute(
                    "UPDATE consultants SET name = ?1, specialties = ?2, languages = ?3,
                         modes = ?4, bio = ?5
                     WHERE id = ?6",
                    params![
                        consultant.name.as_str(),
                        to_json(&consultant.specialties)?,
                        to_json(&consultant.languages)?,
                        modes_to_stored(&consultant.modes),
                        consultant.bio,
                        id.to_string(),
                    ],
                )?;
                if changed == 0 {
                    return Ok(None);
                }
                // The account shows the consultant's name.
                tx.execute(
                    "UPDATE users SET name = ?1 WHERE consultant_id = ?2",
                    params![consultant.name.as_str(), id.to_string()],
                )?;
                write_effects(tx, &effects)?;
                account_of(tx, id)
            },
            move |account| {
                profiles.changed(id);
                if let Some(account) = account {
                    sessions.expired_sessions_of(*account, None);
                }
            },
        )
        .await
        .map(|account| account.is_some())
    }

    async fn set_consultant_active(
        &self,
        consultant: ConsultantId,
        active: bool,
        effects: &Effects,
    ) -> StoreResult<bool> {
        let effects = effects.clone();
        let (profiles, sessions) = (Arc::clone(&self.consultants), Arc::clone(&self.sessions));
        self.write_then(
            move |tx| {
                let id = consultant.to_string();
                let changed = tx.execute(
                    "UPDATE consultants SET active = ?1 WHERE id = ?2",
                    params![active, id],
                )?;
                if changed == 0 {
                    return Ok(None);
                }
                tx.execute(
                    "UPDATE users SET active = ?1 WHERE consultant_id = ?2",
                    params![active, id],
                )?;
                let account = account_of(tx, consultant)?;
                if let (Some(account), false) = (account, active) {
                    tx.execute(
                        "UPDATE sessions SET status = ?1 WHERE user_id = ?2 AND status = ?3",
                        params![EXPIRED, account.to_string(), VALID],
                    )?;
                    turn_off_feed_of(tx, account, &effects)?;
                }
                write_effects(tx, &effects)?;
                Ok(Some(account))
            },
            move |found| {
                profiles.changed(consultant);
                if let Some(Some(account)) = found {
                    sessions.expired_sessions_of(*account, None);
                }
            },
        )
        .await
        .map(|found| found.is_some())
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        let cache = Arc::clone(&self.consultants);
        self.read(move |conn| {
            let count: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM consultants")?
                .query_row([], |row| row.get(0))?;
            let ticket = match cache.list(usize::try_from(count).unwrap_or_default()) {
                Ok(cached) => return Ok(cached),
                Err(ticket) => ticket,
            };
            let sql =
                format!("SELECT {CONSULTANT_COLUMNS} FROM consultants c ORDER BY c.name, c.id");
            let mut statement = conn.prepare_cached(&sql)?;
            let consultants: Vec<Consultant> = statement
                .query_map([], |row| rows::consultant(row, 0))?
                .collect::<rusqlite::Result<_>>()?;
            cache.offer_list(ticket, &consultants);
            Ok(consultants)
        })
        .await
    }

    async fn find_consultant(&self, id: ConsultantId) -> StoreResult<Option<Consultant>> {
        let ticket = match self.consultants.get(id) {
            Ok(cached) => return Ok(Some(cached)),
            Err(ticket) => ticket,
        };
        let found = self
            .read(move |conn| {
                let sql = format!("SELECT {CONSULTANT_COLUMNS} FROM consultants c WHERE c.id = ?1");
                let mut statement = conn.prepare_cached(&sql)?;
                Ok(statement
                    .query_row([id.to_string()], |row| rows::consultant(row, 0))
                    .optional()?)
            })
            .await?;
        if let Some(consultant) = &found {
            self.consultants.offer(ticket, consultant);
        }
        Ok(found)
    }
}
