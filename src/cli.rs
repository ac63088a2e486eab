//! The command line: `tripdesk` serves; `tripdesk consultant add` creates a
//! consultant and its login account, `tripdesk admin add` a staff account;
//! `tripdesk backup` and `tripdesk restore` copy the embedded store.

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::{Settings, StoreSettings};
use crate::domain::{
    BookingRules, Clock, Email, Locale, Password, PersonName, SystemClock, WorkingHours,
};
use crate::error::ErrorChain;
use crate::hashing::PasswordHasher;
use crate::seed::{NewConsultant, add_admin, add_consultant};
use crate::startup::{Application, open_store};
use crate::store::{SharedStore, sqlite};

/// tripdesk: travel-consultation bookings over a JSON API.
#[derive(Debug, Parser)]
#[command(name = "tripdesk", version, about)]
pub struct Cli {
    /// What to do (default: serve).
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP service (the default).
    Serve,
    /// Manage consultants.
    Consultant {
        #[command(subcommand)]
        action: ConsultantCommand,
    },
    /// Manage agency staff.
    Admin {
        #[command(subcommand)]
        action: AdminCommand,
    },
    /// Copy the embedded database to a new file, consistently, even while
    /// the service runs (MongoDB: use mongodump).
    Backup {
        /// The new file.
        file: PathBuf,
    },
    /// Replace the embedded database with a backup; refused while a server
    /// uses it (MongoDB: use mongorestore).
    Restore {
        /// The backup.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
enum ConsultantCommand {
    /// Create a consultant and its login account; prints a generated password
    /// unless one is given on standard input.
    Add(AddConsultant),
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a staff account (role `admin`); prints a generated password
    /// unless one is given on standard input. The first admin comes from
    /// here; later ones can be invited through the API.
    Add(AddAdmin),
}

#[derive(Debug, Args)]
struct AddAdmin {
    /// Login email.
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// The language of their mail (en, es, fr, de, it, ja); DEFAULT_LOCALE
    /// if not given.
    #[arg(long)]
    locale: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Debug, Args)]
struct AddConsultant {
    /// Login email of the consultant's account.
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// IANA time zone of the working hours.
    #[arg(long, default_value = "UTC")]
    timezone: String,
    /// Weekly working hours, local time, on the half hour.
    #[arg(long, default_value = "mon-fri=09:00-17:00")]
    hours: String,
    /// Free time kept after each appointment: 0, 30 or 60 minutes.
    #[arg(long, default_value_t = 0)]
    buffer_minutes: i64,
    /// How long before an appointment it must be booked, in minutes (0–10080).
    #[arg(long, default_value_t = 120)]
    minimum_notice_minutes: i64,
    /// How many days ahead appointments may be booked (1–365).
    #[arg(long, default_value_t = 90)]
    booking_horizon_days: i64,
    /// A specialty (repeatable).
    #[arg(long = "specialty")]
    specialties: Vec<String>,
    /// A language tag such as en or pt-BR (repeatable).
    #[arg(long = "language")]
    languages: Vec<String>,
    /// The language of their mail (en, es, fr, de, it, ja); DEFAULT_LOCALE
    /// if not given.
    #[arg(long)]
    locale: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
}

/// The command-line flag behind a rules field (`bufferMinutes` →
/// `buffer-minutes`).
fn flag_name(field: &str) -> String {
    field
        .chars()
        .flat_map(|c| {
            let lower = c.to_ascii_lowercase();
            (c.is_ascii_uppercase().then_some('-').into_iter()).chain([lower])
        })
        .collect()
}

/// Runs the parsed command line; errors come back as one printable line.
pub async fn run(cli: Cli, settings: Settings) -> Result<(), String> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let application = Application::build(settings)
                .await
                .map_err(|error| ErrorChain(&error).to_string())?;
            application
                .run_until_stopped()
                .await
                .map_err(|error| ErrorChain(&error).to_string())
        }
        Command::Consultant {
            action: ConsultantCommand::Add(args),
        } => add(args, settings).await,
        Command::Admin {
            action: AdminCommand::Add(args),
        } => add_staff(args, settings).await,
        Command::Backup { file } => {
            let database = embedded_database(&settings, "mongodump")?;
            let copy = file.clone();
            blocking(move || sqlite::backup(&database, &copy)).await?;
            println!("Backed up to {}", file.display());
            Ok(())
        }
        Command::Restore { file } => {
            let database = embedded_database(&settings, "mongorestore")?;
            let (backup, target) = (file.clone(), database.clone());
            blocking(move || sqlite::restore(&target, &backup)).await?;
            println!("Restored {} from {}", database.display(), file.display());
            Ok(())
        }
    }
}

/// The embedded database's path, or the advice to use MongoDB's own `tool`.
fn embedded_database(settings: &Settings, tool: &str) -> Result<PathBuf, String> {
    match &settings.store {
        StoreSettings::Sqlite { path, .. } => Ok(path.clone()),
        StoreSettings::Mongo { .. } => Err(format!(
            "MONGODB_URI is set: back up and restore MongoDB with {tool} (see the README)"
        )),
    }
}

async fn blocking(
    work: impl FnOnce() -> Result<(), sqlite::BackupError> + Send + 'static,
) -> Result<(), String> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| ErrorChain(&error).to_string())?
        .map_err(|error| ErrorChain(&error).to_string())
}

async fn add(args: AddConsultant, settings: Settings) -> Result<(), String> {
    let new = NewConsultant {
        name: PersonName::parse(&args.name).map_err(|error| error.detail.to_string())?,
        email: Email::parse(&args.email).map_err(|error| error.detail.to_string())?,
        specialties: args.specialties,
        languages: args.languages,
        timezone: args.timezone.parse().map_err(|_| {
            format!(
                "--timezone: `{}` is not an IANA time zone such as Europe/Paris",
                args.timezone
            )
        })?,
        working_hours: args
            .hours
            .parse::<WorkingHours>()
            .ok()
            .filter(WorkingHours::on_grid)
            .ok_or_else(|| {
                format!(
                    "--hours: `{}` is not like `mon-fri=09:00-17:00` (times on the half hour)",
                    args.hours
                )
            })?,
        rules: BookingRules::new(
            args.buffer_minutes,
            args.minimum_notice_minutes,
            args.booking_horizon_days,
        )
        .map_err(|error| format!("--{}: {}", flag_name(error.field), error.detail))?,
        locale: locale_or_default(args.locale.as_deref(), &settings)?,
    };
    let (password, generated) = read_or_generate_password(args.password_stdin)?;
    let (store, hasher) = open_for_command(&settings).await?;
    let (consultant, user) =
        add_consultant(store.as_ref(), &hasher, new, password, SystemClock.now())
            .await
            .map_err(|error| ErrorChain(&error).to_string())?;
    println!(
        "Created consultant {} ({}) with login {}",
        consultant.name, consultant.id, user.email
    );
    announce(generated);
    Ok(())
}

async fn add_staff(args: AddAdmin, settings: Settings) -> Result<(), String> {
    let email = Email::parse(&args.email).map_err(|error| error.detail.to_string())?;
    let name = PersonName::parse(&args.name).map_err(|error| error.detail.to_string())?;
    let locale = locale_or_default(args.locale.as_deref(), &settings)?;
    let (password, generated) = read_or_generate_password(args.password_stdin)?;
    let (store, hasher) = open_for_command(&settings).await?;
    let user = add_admin(
        store.as_ref(),
        &hasher,
        (email, name),
        (password, locale),
        SystemClock.now(),
    )
    .await
    .map_err(|error| ErrorChain(&error).to_string())?;
    println!(
        "Created admin {} ({}) with login {}",
        user.name, user.id, user.email
    );
    announce(generated);
    Ok(())
}

/// The `--locale` given, or the configured default.
fn locale_or_default(given: Option<&str>, settings: &Settings) -> Result<Locale, String> {
    given.map_or(Ok(settings.default_locale), |tag| {
        Locale::parse(tag).map_err(|error| format!("--locale: {}", error.detail))
    })
}

/// A password for a new account: the first line of standard input, or a
/// generated one, with its text to print once.
fn read_or_generate_password(from_stdin: bool) -> Result<(Password, Option<String>), String> {
    if !from_stdin {
        let password = Password::generate();
        let shown = password.expose().to_owned();
        return Ok((password, Some(shown)));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|error| ErrorChain(&error).to_string())?;
    let typed = line.trim_end_matches(['\r', '\n']).to_owned();
    let password =
        Password::parse_new(typed, "password").map_err(|error| error.detail.to_string())?;
    Ok((password, None))
}

fn announce(generated: Option<String>) {
    if let Some(password) = generated {
        println!("Password (shown once): {password}");
    }
}

async fn open_for_command(settings: &Settings) -> Result<(SharedStore, PasswordHasher), String> {
    let store = open_store(&settings.store)
        .await
        .map_err(|error| ErrorChain(&error).to_string())?;
    let hasher = PasswordHasher::new(1).map_err(|error| ErrorChain(&error).to_string())?;
    Ok((store, hasher))
}
