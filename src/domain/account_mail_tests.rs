//! Account mail: tokens, their lifetimes and supersession, and which
//! queued mails are still wanted.

use super::*;
use crate::domain::PersonName;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn customer(verified: bool) -> User {
    let email = Email::parse("ada@example.com").unwrap();
    let mut user = User::new_customer(email, PersonName::parse("Ada").unwrap(), now());
    user.email_verified = verified;
    user
}

#[test]
fn issued_tokens_keep_only_the_hash_and_live_as_long_as_their_purpose() {
    let user = customer(false);
    let (token, issued) = IssuedToken::issue(&user, TokenPurpose::PasswordReset, now());
    assert_eq!(issued.token_hash, token.hash());
    assert_eq!(issued.expires_at, now() + TimeDelta::minutes(30));
    assert!(!format!("{issued:?}").contains(token.expose()));
    let (_, verification) = IssuedToken::issue(&user, TokenPurpose::EmailVerification, now());
    assert_eq!(verification.expires_at, now() + TimeDelta::hours(48));
}

#[test]
fn a_reset_token_dies_with_the_password_it_was_issued_under() {
    let mut user = customer(true);
    let (_, reset) = IssuedToken::issue(&user, TokenPurpose::PasswordReset, now());
    let (_, verification) = IssuedToken::issue(&user, TokenPurpose::EmailVerification, now());
    assert!(reset.still_valid_for(&user));
    user.credentials_stamp = CredentialsStamp::generate();
    assert!(!reset.still_valid_for(&user));
    assert!(
        verification.still_valid_for(&user),
        "an address stays verified"
    );
    assert!(!reset.still_valid_for(&customer(true)), "another account");
}

#[test]
fn only_reset_tokens_supersede_older_ones() {
    assert!(TokenPurpose::PasswordReset.supersedes_older());
    assert!(!TokenPurpose::EmailVerification.supersedes_older());
}

#[test]
fn purposes_round_trip_through_their_stored_names() {
    for purpose in [TokenPurpose::PasswordReset, TokenPurpose::EmailVerification] {
        assert_eq!(TokenPurpose::parse(purpose.as_str()), Some(purpose));
    }
    assert_eq!(TokenPurpose::parse("login"), None);
}

#[test]
fn every_kind_round_trips_through_what_stores_keep() {
    let (user, webhook) = (UserId::generate(), WebhookId::generate());
    let email = Email::parse("ada@example.com").unwrap();
    for mail in [
        AccountMail::PasswordReset { email },
        AccountMail::Verification { user },
        AccountMail::Invitation { user },
        AccountMail::WebhookDisabled {
            admin: user,
            webhook,
        },
        AccountMail::FactorChanged {
            user,
            factor: Factor::Totp,
            added: true,
        },
        AccountMail::FactorChanged {
            user,
            factor: Factor::Totp,
            added: false,
        },
        AccountMail::FactorChanged {
            user,
            factor: Factor::Passkey,
            added: true,
        },
        AccountMail::FactorChanged {
            user,
            factor: Factor::Passkey,
            added: false,
        },
        AccountMail::PasswordChanged { user },
    ] {
        let stored = AccountMail::from_stored(mail.kind(), &mail.target());
        assert_eq!(stored, Some(mail));
    }
    assert_eq!(AccountMail::from_stored("webhook_disabled", "x:y"), None);
    assert_eq!(
        AccountMail::from_stored("email_verification", "ada@example.com"),
        None
    );
}

#[test]
fn a_webhook_notice_goes_only_to_an_active_admin() {
    let mut admin = customer(true);
    let notice = AccountMail::WebhookDisabled {
        admin: admin.id,
        webhook: WebhookId::generate(),
    };
    let message = AccountMessage::new(notice, now());
    assert_eq!(message.wanted(Some(&admin), false), Wanted::Drop);
    admin.role = crate::domain::Role::Admin;
    assert_eq!(message.wanted(Some(&admin), false), Wanted::Send);
    admin.active = false;
    assert_eq!(message.wanted(Some(&admin), false), Wanted::Drop);
    assert_eq!(message.wanted(None, false), Wanted::Drop, "never waits");
}

#[test]
fn sign_in_notices_go_to_a_verified_address_only() {
    let mut user = customer(false);
    let factor = AccountMail::FactorChanged {
        user: user.id,
        factor: Factor::Totp,
        added: true,
    };
    let password = AccountMail::PasswordChanged { user: user.id };
    for (notice, kind) in [(factor, "factor_added"), (password, "password_changed")] {
        let message = AccountMessage::new(notice, now());
        assert_eq!(message.mail.kind(), kind);
        user.email_verified = false;
        assert_eq!(message.wanted(Some(&user), false), Wanted::Drop);
        user.email_verified = true;
        assert_eq!(message.wanted(Some(&user), false), Wanted::Send);
    }
}

#[test]
fn a_reset_goes_only_to_an_existing_account() {
    let email = Email::parse("ada@example.com").unwrap();
    let message = AccountMessage::new(AccountMail::PasswordReset { email }, now());
    assert_eq!(message.wanted(Some(&customer(false)), false), Wanted::Send);
    assert_eq!(message.wanted(None, false), Wanted::Drop);
}

#[test]
fn a_verification_waits_for_its_account_and_stops_once_verified() {
    let user = customer(false);
    let message = AccountMessage::new(AccountMail::Verification { user: user.id }, now());
    assert_eq!(message.wanted(Some(&user), false), Wanted::Send);
    assert_eq!(message.wanted(Some(&customer(true)), false), Wanted::Drop);
    assert_eq!(message.wanted(None, false), Wanted::Wait);
    assert_eq!(message.wanted(None, true), Wanted::Drop);
}

#[test]
fn messages_have_distinct_ids_and_expire_after_a_day() {
    let mail = AccountMail::Verification {
        user: UserId::generate(),
    };
    let first = AccountMessage::new(mail.clone(), now());
    let second = AccountMessage::new(mail, now());
    assert_ne!(first.id, second.id);
    assert!(first.id.starts_with("account."));
    assert!(!first.expired(now() + TimeDelta::hours(23)));
    assert!(first.expired(now() + GIVE_UP_AFTER));
}
