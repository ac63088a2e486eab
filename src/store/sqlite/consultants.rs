//! Consultants in SQL.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};

use super::SqliteStore;
use super::rows::{self, CONSULTANT_COLUMNS, modes_to_stored};
use super::users::insert_user_row;
use crate::domain::{Consultant, ConsultantId, PasswordHash, User};
use crate::store::{ConsultantStore, StoreError, StoreResult};

#[async_trait]
impl ConsultantStore for SqliteStore {
    async fn insert_consultant(
        &self,
        consultant: &Consultant,
        account: Option<(&User, &PasswordHash)>,
    ) -> StoreResult<()> {
        let consultant = consultant.clone();
        let account = account.map(|(user, hash)| (user.clone(), hash.clone()));
        self.write(move |tx| {
            let to_json = |items: &[String]| {
                serde_json::to_string(items).map_err(|error| StoreError::Internal(error.into()))
            };
            tx.execute(
                "INSERT INTO consultants (id, name, specialties, languages, timezone, working_hours,
                     buffer_minutes, minimum_notice_minutes, booking_horizon_days, modes, bio,
                     active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
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
                ],
            )?;
            account.map_or(Ok(()), |(user, hash)| insert_user_row(tx, &user, &hash))
        })
        .await
    }

    async fn list_consultants(&self) -> StoreResult<Vec<Consultant>> {
        self.read(|conn| {
            let sql =
                format!("SELECT {CONSULTANT_COLUMNS} FROM consultants c ORDER BY c.name, c.id");
            let mut statement = conn.prepare_cached(&sql)?;
            let consultants = statement
                .query_map([], |row| rows::consultant(row, 0))?
                .collect::<rusqlite::Result<_>>()?;
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
