//! The embedded store's files: backups created owner-only and never through
//! a planted link; restores that accept exactly a tripdesk schema and keep
//! the database they replace.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

use reqwest::StatusCode;
use tempfile::TempDir;

use crate::helpers::{Backend, PASSWORD, TestApp, read, tripdesk_command, unique_email};

fn run(dir: &Path, database: &Path, args: &[&str]) -> Output {
    tripdesk_command(dir, &[("DATABASE_PATH", &database.display().to_string())])
        .args(args)
        .output()
        .unwrap()
}

fn succeeded(output: &Output) -> bool {
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

/// Registers a customer in the database at `database` (by a server that
/// has stopped when this returns); their address.
async fn add_a_customer(database: &Path) -> String {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        &[("DATABASE_PATH", &database.display().to_string())],
    )
    .await;
    let email = unique_email("kept");
    let (status, _) = read(app.client().register(&email, PASSWORD, "Kept").await).await;
    assert_eq!(status, StatusCode::CREATED);
    app.stop().await;
    email
}

fn customers_with(database: &Path, email: &str) -> i64 {
    let connection = rusqlite::Connection::open(database).unwrap();
    connection
        .query_row(
            "SELECT COUNT(*) FROM users WHERE email = ?1",
            [email],
            |row| row.get(0),
        )
        .unwrap()
}

#[tokio::test]
async fn a_backup_is_owner_only_and_never_written_through_a_planted_link() {
    let work = TempDir::new().unwrap();
    let database = work.path().join("data").join("tripdesk.db");
    add_a_customer(&database).await;
    let outside = work.path().join("elsewhere.db");
    let planted = work.path().join("planted.db");
    std::os::unix::fs::symlink(&outside, &planted).unwrap();
    let output = run(
        work.path(),
        &database,
        &["backup", &planted.display().to_string()],
    );
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("exists already"));
    assert!(!outside.exists(), "nothing was written through the link");

    let target = work.path().join("backup.db");
    let output = run(
        work.path(),
        &database,
        &["backup", &target.display().to_string()],
    );
    assert!(succeeded(&output));
    let mode = std::fs::metadata(&target).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .filter(|name| name.contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let again = run(
        work.path(),
        &database,
        &["backup", &target.display().to_string()],
    );
    assert!(
        !again.status.success(),
        "an existing file is never replaced"
    );
}

#[tokio::test]
async fn a_restore_takes_exactly_a_tripdesk_schema_and_keeps_what_it_replaces() {
    let work = TempDir::new().unwrap();
    let database = work.path().join("data").join("tripdesk.db");
    let first = add_a_customer(&database).await;
    let backup = work.path().join("backup.db");
    assert!(succeeded(&run(
        work.path(),
        &database,
        &["backup", &backup.display().to_string()]
    )));
    let after_backup = add_a_customer(&database).await;

    // A trigger planted in a copy of the backup, and a schema-less file
    // that claims the current version: both refused.
    let planted = work.path().join("planted.db");
    std::fs::copy(&backup, &planted).unwrap();
    let connection = rusqlite::Connection::open(&planted).unwrap();
    connection
        .execute_batch(
            "CREATE TRIGGER verify_everyone AFTER INSERT ON users
             BEGIN UPDATE users SET email_verified = 1 WHERE id = NEW.id; END;",
        )
        .unwrap();
    let version: i64 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    drop(connection);
    let empty = work.path().join("empty.db");
    let connection = rusqlite::Connection::open(&empty).unwrap();
    connection
        .pragma_update(None, "user_version", version)
        .unwrap();
    drop(connection);
    for (file, complaint) in [(&planted, "trigger verify_everyone"), (&empty, "missing: ")] {
        let output = run(
            work.path(),
            &database,
            &["restore", &file.display().to_string()],
        );
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(complaint), "{stderr}");
    }

    assert_eq!(
        customers_with(&database, &after_backup),
        1,
        "nothing changed"
    );

    // A sound backup is restored; the database it replaced is kept.
    assert!(succeeded(&run(
        work.path(),
        &database,
        &["restore", &backup.display().to_string()]
    )));
    assert_eq!(customers_with(&database, &first), 1);
    assert_eq!(customers_with(&database, &after_backup), 0);
    let kept = database.with_file_name("tripdesk.db.before-restore");
    assert_eq!(
        customers_with(&kept, &after_backup),
        1,
        "the replaced database is kept whole"
    );
}
