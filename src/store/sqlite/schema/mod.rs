//! The SQLite schema, as ordered migrations applied at start-up.
//!
//! Instants are INTEGER milliseconds since the Unix epoch; ids are the
//! 24-hex-character text form of the domain ids.

mod v1_v2;
mod v3;

use rusqlite_migration::Migrations;

/// How many schema versions this build knows (`PRAGMA user_version` of a
/// database migrated to the latest).
pub(super) fn version_count() -> usize {
    v1_v2::MIGRATIONS.len() + v3::MIGRATIONS.len()
}

/// The migrations, in order.
pub(super) fn migrations() -> Migrations<'static> {
    let all = v1_v2::MIGRATIONS.iter().chain(v3::MIGRATIONS);
    Migrations::new(all.cloned().collect())
}

/// One table, index, view or trigger of a schema, as `sqlite_master` has it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SchemaObject {
    pub kind: String,
    pub name: String,
    pub table: String,
    pub sql: Option<String>,
}

/// Every object of the schema `connection` holds, sorted (statistics
/// tables left out: `ANALYZE` may add them to any database).
pub(super) fn objects(connection: &rusqlite::Connection) -> rusqlite::Result<Vec<SchemaObject>> {
    let mut statement = connection.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE name NOT LIKE 'sqlite_stat%' ORDER BY type, name",
    )?;
    statement
        .query_map([], |row| {
            Ok(SchemaObject {
                kind: row.get(0)?,
                name: row.get(1)?,
                table: row.get(2)?,
                sql: row.get(3)?,
            })
        })?
        .collect()
}

/// The schema these migrations build at `version`.
pub(super) fn reference(version: usize) -> Result<Vec<SchemaObject>, rusqlite_migration::Error> {
    let mut connection = rusqlite::Connection::open_in_memory()?;
    migrations().to_version(&mut connection, version)?;
    Ok(objects(&connection)?)
}

#[cfg(test)]
mod tests;
