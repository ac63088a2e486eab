//! (12) Logins with a second factor: the password, then a TOTP code (as an
//! authenticator app computes it), against password-only logins on the same
//! service, both driven by the harness itself with the same concurrency
//! (wrk cannot compute codes). Each account logs in once per run, so no code
//! is ever a replay.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};

use super::{COOKIE, Options, progress};
use crate::report::{Report, Row};
use crate::server::{Backend, Service};
use crate::setup::{Account, Api};
use crate::wrk::Measured;

fn code_at(secret: &str, seconds: u64) -> Result<String> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|error| anyhow::anyhow!("secret: {error:?}"))?;
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        bytes,
        None,
        String::new(),
    )?;
    Ok(totp.generate(seconds))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

/// Turns TOTP on for `account`: its secret.
async fn enrol(client: &reqwest::Client, base: &str, account: &Account) -> Result<String> {
    let cookie = format!("{COOKIE}={}", account.token);
    let enrolment: Value = client
        .post(format!("{base}/api/users/me/mfa/totp"))
        .header("cookie", &cookie)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let secret = enrolment["secret"]
        .as_str()
        .context("no secret")?
        .to_owned();
    client
        .post(format!("{base}/api/users/me/mfa/totp/confirm"))
        .header("cookie", &cookie)
        .json(&json!({"code": code_at(&secret, unix_now())?}))
        .send()
        .await?
        .error_for_status()?;
    Ok(secret)
}

/// One login of `account` (with `secret`, its second step too): whether
/// it ended with a session.
async fn log_in(
    client: &reqwest::Client,
    base: &str,
    account: &Account,
    secret: Option<&str>,
) -> Result<bool> {
    let body = json!({"email": account.email, "password": account.password});
    let response = client
        .post(format!("{base}/api/users/login"))
        .json(&body)
        .send()
        .await?;
    if !response.status().is_success() {
        return Ok(false);
    }
    let Some(secret) = secret else {
        return Ok(true);
    };
    let answer: Value = response.json().await?;
    let challenge = answer["challenge"].as_str().context("no challenge")?;
    let body = json!({"challenge": challenge, "code": code_at(secret, unix_now())?});
    let response = client
        .post(format!("{base}/api/users/login/mfa"))
        .json(&body)
        .send()
        .await?;
    Ok(response.status().is_success())
}

/// Logs `accounts` in, `connections` at a time, each once, for at most
/// `duration`.
async fn drive(
    base: &str,
    accounts: Arc<Vec<(Account, Option<String>)>>,
    connections: usize,
    duration: Duration,
) -> Result<Measured> {
    let client = reqwest::Client::new();
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (client, base, accounts, next) = (
                client.clone(),
                base.to_owned(),
                Arc::clone(&accounts),
                Arc::clone(&next),
            );
            tokio::spawn(async move {
                let (mut latencies, mut errors) = (Vec::new(), 0u64);
                while started.elapsed() < duration {
                    let Some((account, secret)) =
                        accounts.get(next.fetch_add(1, Ordering::Relaxed))
                    else {
                        break;
                    };
                    let begun = Instant::now();
                    match log_in(&client, &base, account, secret.as_deref()).await {
                        Ok(true) => latencies.push(begun.elapsed().as_micros() as u64),
                        _ => errors += 1,
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for task in tasks {
        let (done, failed) = task.await?;
        latencies.extend(done);
        errors += failed;
    }
    let elapsed = started.elapsed().as_micros() as u64;
    latencies.sort_unstable();
    let at = |share: f64| {
        latencies
            .get(((latencies.len() as f64 * share) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    Ok(Measured {
        requests: latencies.len() as u64,
        duration_us: elapsed,
        errors,
        p50_us: at(0.5),
        p99_us: at(0.99),
    })
}

/// (12): password-only logins, then logins with a TOTP code, on one service.
pub async fn totp_logins(
    options: &Options,
    backend: &Backend,
    dir: &Path,
    report: &mut Report,
) -> Result<()> {
    let store = backend.label();
    progress(&format!(
        "{store}: (12) logins with a second factor: starting the service"
    ));
    let service = Service::start(&options.server, backend, &dir.join("logins-mfa"), &[]).await?;
    let api = Api::new(&service.base, COOKIE);
    progress(&format!(
        "{store}: (12) registering 2 × {} customers",
        options.users
    ));
    let plain = api.register("plain", options.users).await?;
    let guarded = api.register("guarded", options.users).await?;
    let client = reqwest::Client::new();
    let mut secrets = Vec::with_capacity(guarded.len());
    for account in &guarded {
        secrets.push(enrol(&client, &service.base, account).await?);
    }
    // The codes that confirmed the factors were used: start on the next step.
    tokio::time::sleep(Duration::from_secs(31 - unix_now() % 30)).await;
    let duration = Duration::from_secs(options.duration);
    let plain: Vec<_> = plain.into_iter().map(|account| (account, None)).collect();
    progress(&format!("{store}: (12) password only"));
    let only = drive(
        &service.base,
        Arc::new(plain),
        options.connections,
        duration,
    )
    .await?;
    let guarded: Vec<_> = guarded
        .into_iter()
        .zip(secrets.into_iter().map(Some))
        .collect();
    progress(&format!("{store}: (12) password and TOTP code"));
    let both = drive(
        &service.base,
        Arc::new(guarded),
        options.connections,
        duration,
    )
    .await?;
    ensure!(only.requests > 0 && both.requests > 0, "no login completed");
    report.push(store, Row::LoginPasswordOnly, only);
    report.push(store, Row::LoginTotp, both);
    Ok(())
}
