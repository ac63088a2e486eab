//! Creating consultants and staff: the `consultant add` and `admin add`
//! commands and the demo data a fresh development database starts with.

use std::fmt;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::domain::{
    AuditAction, AuditContext, AuditEntry, BookingRules, Consultant, Effects, Email, InvalidInput,
    Locale, Password, PersonName, TimeOff, User, WorkingHours,
};
use crate::hashing::{HashError, PasswordHasher};
use crate::store::{Store, StoreError};

/// Creating a consultant failed.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A value was rejected.
    #[error("{0}")]
    Invalid(#[from] InvalidInput),
    /// The store refused or failed.
    #[error("{0}")]
    Store(#[from] StoreError),
    /// Hashing the password failed.
    #[error("{0}")]
    Hash(#[from] HashError),
}

/// A consultant to create, with the email of their login account.
#[derive(Debug, Clone)]
pub struct NewConsultant {
    /// Display name, also the account's name.
    pub name: PersonName,
    /// Login email.
    pub email: Email,
    /// Specialties.
    pub specialties: Vec<String>,
    /// Languages.
    pub languages: Vec<String>,
    /// IANA time zone of the working hours.
    pub timezone: Tz,
    /// Weekly schedule.
    pub working_hours: WorkingHours,
    /// Buffer, notice and horizon.
    pub rules: BookingRules,
    /// The language their mail is written in.
    pub locale: Locale,
}

/// Creates a consultant profile and its consultant login account, atomically.
pub async fn add_consultant(
    store: &dyn Store,
    hasher: &PasswordHasher,
    new: NewConsultant,
    password: Password,
    now: DateTime<Utc>,
) -> Result<(Consultant, User), SeedError> {
    let mut consultant = Consultant::new(
        new.name.clone(),
        &new.specialties,
        &new.languages,
        new.timezone,
        new.working_hours,
    )?;
    consultant.rules = new.rules;
    let user =
        User::new_consultant(consultant.id, (new.email, new.name), true, now).in_locale(new.locale);
    let hash = hasher.hash(password).await?;
    let entry = AuditEntry::consultant_created(&AuditContext::service(now), &consultant)
        .with("via", "command line");
    store
        .insert_consultant(&consultant, Some((&user, &hash)), &Effects::audit([entry]))
        .await?;
    Ok((consultant, user))
}

/// Creates a staff account (`identity`: its email and name), verified,
/// written to in `locale`, with its audit entry.
pub async fn add_admin(
    store: &dyn Store,
    hasher: &PasswordHasher,
    identity: (Email, PersonName),
    (password, locale): (Password, Locale),
    now: DateTime<Utc>,
) -> Result<User, SeedError> {
    let user = User::new_admin(identity.0, identity.1, true, now).in_locale(locale);
    let hash = hasher.hash(password).await?;
    let entry = AuditEntry::new(
        &AuditContext::service(now),
        AuditAction::UserCreated,
        user.id,
    )
    .with("role", user.role.as_str())
    .with("via", "command line");
    store
        .insert_user(&user, &hash, None, &Effects::audit([entry]))
        .await?;
    Ok(user)
}

/// A demo login, shown once when the demo data is created.
pub struct DemoAccount {
    /// Name shown beside it (the consultant's, or the staff role).
    pub name: String,
    /// Login email.
    pub email: String,
    /// Generated password.
    pub password: String,
}

impl fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoAccount")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A demo consultant, in source form.
struct DemoConsultant {
    name: &'static str,
    email: &'static str,
    specialties: &'static [&'static str],
    languages: &'static [&'static str],
    timezone: &'static str,
    hours: &'static str,
    /// Buffer, notice (minutes) and horizon (days).
    rules: (i64, i64, i64),
    /// Days from now until a week off (a holiday), if any.
    time_off_in_days: Option<i64>,
}

const DEMO_CONSULTANTS: [DemoConsultant; 5] = [
    DemoConsultant {
        name: "Amara Okafor",
        email: "amara.okafor@consultants.tripdesk.example",
        specialties: &["Safaris", "Family travel", "West Africa"],
        languages: &["en", "fr", "yo"],
        timezone: "Africa/Lagos",
        hours: "mon-fri=09:00-17:00",
        rules: (30, 240, 60),
        time_off_in_days: None,
    },
    DemoConsultant {
        name: "Kenji Watanabe",
        email: "kenji.watanabe@consultants.tripdesk.example",
        specialties: &["Japan rail passes", "Ski trips", "Food tours"],
        languages: &["ja", "en"],
        timezone: "Asia/Tokyo",
        hours: "mon-fri=10:00-18:00,sat=10:00-14:00",
        rules: (0, 120, 90),
        time_off_in_days: None,
    },
    DemoConsultant {
        name: "Lucía Fernández",
        email: "lucia.fernandez@consultants.tripdesk.example",
        specialties: &["Mediterranean cruises", "Honeymoons"],
        languages: &["es", "en", "it"],
        timezone: "Europe/Madrid",
        hours: "mon-thu=09:00-15:00,fri=09:00-13:00",
        rules: (30, 1440, 120),
        time_off_in_days: Some(21),
    },
    DemoConsultant {
        name: "Noah Goldberg",
        email: "noah.goldberg@consultants.tripdesk.example",
        specialties: &["US national parks", "Road trips", "Accessible travel"],
        languages: &["en", "he"],
        timezone: "America/New_York",
        hours: "tue-sat=11:00-19:00",
        rules: (60, 120, 90),
        time_off_in_days: None,
    },
    DemoConsultant {
        name: "Priya Raman",
        email: "priya.raman@consultants.tripdesk.example",
        specialties: &["Himalayan treks", "Wellness retreats", "Sri Lanka"],
        languages: &["en", "hi", "ta"],
        timezone: "Asia/Kolkata",
        hours: "mon-fri=09:30-17:30",
        rules: (0, 60, 30),
        time_off_in_days: None,
    },
];

/// The demo staff account's login.
const DEMO_ADMIN: (&str, &str) = ("admin@staff.tripdesk.example", "Dana Front-Desk");

/// Adds the demo consultants and one admin, each with a login account and
/// a fresh random password, if the store has no consultant yet. Returns
/// the accounts created (none when the store was not empty).
pub async fn seed_demo_data(
    store: &dyn Store,
    hasher: &PasswordHasher,
    now: DateTime<Utc>,
) -> Result<Vec<DemoAccount>, SeedError> {
    if !store.list_consultants().await?.is_empty() {
        return Ok(Vec::new());
    }
    let mut accounts = Vec::with_capacity(DEMO_CONSULTANTS.len());
    for demo in DEMO_CONSULTANTS {
        let new = NewConsultant {
            name: PersonName::parse(demo.name)?,
            email: Email::parse(demo.email)?,
            specialties: demo
                .specialties
                .iter()
                .map(|item| item.to_string())
                .collect(),
            languages: demo.languages.iter().map(|item| item.to_string()).collect(),
            // Mail in the first language they speak that tripdesk writes.
            locale: demo
                .languages
                .iter()
                .find_map(|tag| Locale::of_tag(tag))
                .unwrap_or(Locale::En),
            timezone: demo
                .timezone
                .parse()
                .expect("demo time zones are valid IANA names"),
            working_hours: demo
                .hours
                .parse()
                .expect("demo working hours are well formed"),
            rules: BookingRules::new(demo.rules.0, demo.rules.1, demo.rules.2)?,
        };
        let password = Password::generate();
        let shown = password.expose().to_owned();
        let (consultant, user) = add_consultant(store, hasher, new, password, now).await?;
        if let Some(days) = demo.time_off_in_days {
            let start = (now + TimeDelta::days(days))
                .duration_trunc(TimeDelta::days(1))
                .unwrap_or(now);
            let holiday = TimeOff::new(
                consultant.id,
                start,
                start + TimeDelta::days(7),
                Some("Annual leave"),
                now,
            )?;
            store
                .insert_time_off(&holiday, now, &Effects::default())
                .await?;
        }
        accounts.push(DemoAccount {
            name: demo.name.to_owned(),
            email: user.email.to_string(),
            password: shown,
        });
    }
    let password = Password::generate();
    let shown = password.expose().to_owned();
    let identity = (
        Email::parse(DEMO_ADMIN.0)?,
        PersonName::parse(DEMO_ADMIN.1)?,
    );
    let admin = add_admin(store, hasher, identity, (password, Locale::En), now).await?;
    accounts.push(DemoAccount {
        name: format!("{} (admin)", admin.name),
        email: admin.email.to_string(),
        password: shown,
    });
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_well_formed() {
        for demo in DEMO_CONSULTANTS {
            assert!(PersonName::parse(demo.name).is_ok());
            assert!(Email::parse(demo.email).is_ok());
            assert!(demo.timezone.parse::<Tz>().is_ok(), "{}", demo.timezone);
            assert!(
                demo.hours.parse::<WorkingHours>().unwrap().days().count() >= 5,
                "{}",
                demo.hours
            );
        }
    }
}
