//! The migrations' own checks: they validate, keep what was stored before
//! them, and keep the audit log undeletable.

#[test]
fn migrations_are_valid() {
    super::migrations().validate().unwrap();
}

/// Not even a bug or a hand at the SQL shell can delete an entry.
#[test]
fn the_audit_log_refuses_deletes() {
    let mut connection = rusqlite::Connection::open_in_memory().unwrap();
    super::migrations().to_latest(&mut connection).unwrap();
    connection
        .execute(
            "INSERT INTO audit_log (id, at, action, target_type, target_id, details)
             VALUES ('a', 1, 'user.login', 'user', 'u', '{}')",
            [],
        )
        .unwrap();
    let refused = connection.execute("DELETE FROM audit_log", []).unwrap_err();
    assert!(refused.to_string().contains("append-only"), "{refused}");
    let kept: i64 = connection
        .query_row("SELECT COUNT(*) FROM audit_log", [], |row| row.get(0))
        .unwrap();
    assert_eq!(kept, 1);
}

/// Entries written before the log was stored in time order are kept,
/// still undeletable.
#[test]
fn audit_entries_survive_the_move_to_time_order() {
    let mut connection = rusqlite::Connection::open_in_memory().unwrap();
    // The move is the twelfth migration.
    let before = 11;
    super::migrations()
        .to_version(&mut connection, before)
        .unwrap();
    connection
        .execute(
            "INSERT INTO audit_log (id, at, actor_id, action, target_type, target_id, details)
             VALUES ('e', 5, 'u', 'user.login', 'user', 'u', '{}')",
            [],
        )
        .unwrap();
    super::migrations().to_latest(&mut connection).unwrap();
    let kept: (String, i64, String) = connection
        .query_row(
            "SELECT id, at, action FROM audit_log WHERE actor_id = 'u'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!(kept, ("e".to_owned(), 5, "user.login".to_owned()));
    assert!(connection.execute("DELETE FROM audit_log", []).is_err());
}

/// Booking messages queued before account mails shared the outbox are
/// kept, as booking messages.
#[test]
fn queued_booking_messages_survive_the_account_mail_migration() {
    let mut connection = rusqlite::Connection::open_in_memory().unwrap();
    // The account-mail migration is the eighth.
    let before = 7;
    super::migrations()
        .to_version(&mut connection, before)
        .unwrap();
    connection
        .execute(
            "INSERT INTO outbox (id, booking_id, event, recipients, delivered, snapshot,
                 not_before, reminder_at, created_at, attempts, state, next_attempt_at)
             VALUES ('b.1.created', 'b', 'created', 'customer,consultant', '', '{}',
                     1, 2, 3, 0, 'pending', 1)",
            [],
        )
        .unwrap();
    super::migrations().to_latest(&mut connection).unwrap();
    let kept: (String, String, String, Option<i64>) = connection
        .query_row(
            "SELECT kind, event, recipients, reminder_at FROM outbox WHERE id = 'b.1.created'",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    let expected = ("booking", "created", "customer,consultant", Some(2));
    assert_eq!(
        (kept.0.as_str(), kept.1.as_str(), kept.2.as_str(), kept.3),
        expected
    );
}
