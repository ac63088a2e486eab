//! Preparing the data each scenario needs, through the public API.

use anyhow::{Context, Result, bail, ensure};
use chrono::{Days, NaiveDate, Utc};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde_json::{Value, json};

/// Requests in flight while preparing (registrations are Argon2-bound).
const SETUP_CONCURRENCY: usize = 16;

/// A registered customer and the session cookie value registration gave it.
#[derive(Clone)]
pub struct Account {
    pub email: String,
    pub password: String,
    pub token: String,
}

/// A free 30-minute slot of one consultant.
pub struct FreeSlot {
    pub consultant_id: String,
    pub starts_at: String,
}

/// Talks to one running service.
pub struct Api {
    client: reqwest::Client,
    base: String,
    cookie_name: String,
}

impl Api {
    pub fn new(base: &str, cookie_name: &str) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: base.to_owned(),
            cookie_name: cookie_name.to_owned(),
        }
    }

    /// Registers `count` customers, `prefix`-named, several at a time.
    pub async fn register(&self, prefix: &str, count: usize) -> Result<Vec<Account>> {
        stream::iter(0..count)
            .map(|index| self.register_one(format!("{prefix}-{index}@bench.example")))
            .buffered(SETUP_CONCURRENCY)
            .try_collect()
            .await
    }

    async fn register_one(&self, email: String) -> Result<Account> {
        let password = format!("pw-{}", hex::encode(rand::random::<[u8; 8]>()));
        let response = self
            .client
            .post(format!("{}/api/users/register", self.base))
            .json(&json!({"email": email, "password": password, "name": "Bench Customer"}))
            .send()
            .await?;
        ensure!(
            response.status().as_u16() == 201,
            "register {email}: {}",
            response.text().await?
        );
        let token = self
            .session_cookie(&response)
            .context("registration set no session cookie")?;
        Ok(Account {
            email,
            password,
            token,
        })
    }

    /// The seeded consultants' ids.
    pub async fn consultants(&self) -> Result<Vec<String>> {
        let body: Value = self
            .client
            .get(format!("{}/api/consultants", self.base))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let ids: Vec<String> = body["consultants"]
            .as_array()
            .context("no consultants array")?
            .iter()
            .filter_map(|consultant| consultant["id"].as_str().map(str::to_owned))
            .collect();
        ensure!(!ids.is_empty(), "no consultants: is SEED_DEMO_DATA on?");
        Ok(ids)
    }

    /// The JSON body of `GET path` as the session `token`.
    pub async fn get_json(&self, token: &str, path: &str) -> Result<Value> {
        Ok(self
            .client
            .get(format!("{}{path}", self.base))
            .header(
                reqwest::header::COOKIE,
                format!("{}={token}", self.cookie_name),
            )
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// The JSON answer of `POST path` with `body` as the session `token`.
    pub async fn post_json(&self, token: &str, path: &str, body: &Value) -> Result<Value> {
        Ok(self
            .client
            .post(format!("{}{path}", self.base))
            .header(
                reqwest::header::COOKIE,
                format!("{}={token}", self.cookie_name),
            )
            .json(body)
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    /// At least `wanted` free slots, from tomorrow on, across `consultants`,
    /// interleaved so that consecutive slots belong to different consultants.
    pub async fn free_slots(&self, consultants: &[String], wanted: usize) -> Result<Vec<FreeSlot>> {
        let mut per_consultant: Vec<Vec<FreeSlot>> =
            consultants.iter().map(|_| Vec::new()).collect();
        let mut from: NaiveDate = Utc::now().date_naive() + Days::new(1);
        let mut total = 0;
        for _ in 0..200 {
            for (index, consultant) in consultants.iter().enumerate() {
                let url = format!(
                    "{}/api/consultants/{consultant}/availability?from={from}&days=31",
                    self.base
                );
                let body: Value = self
                    .client
                    .get(url)
                    .send()
                    .await?
                    .error_for_status()?
                    .json()
                    .await?;
                for slot in body["slots"].as_array().context("no slots array")? {
                    per_consultant[index].push(FreeSlot {
                        consultant_id: consultant.clone(),
                        starts_at: slot["startsAt"].as_str().context("no startsAt")?.to_owned(),
                    });
                    total += 1;
                }
            }
            if total >= wanted {
                let mut interleaved = Vec::with_capacity(total);
                let mut columns: Vec<_> = per_consultant.into_iter().map(Vec::into_iter).collect();
                while interleaved.len() < total {
                    for column in &mut columns {
                        interleaved.extend(column.next());
                    }
                }
                return Ok(interleaved);
            }
            from = from + Days::new(31);
        }
        bail!("found only {total} free slots, wanted {wanted}")
    }

    /// Logs in; the session cookie's value.
    pub async fn login(&self, email: &str, password: &str) -> Result<String> {
        let response = self
            .client
            .post(format!("{}/api/users/login", self.base))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await?;
        ensure!(
            response.status().as_u16() == 200,
            "login {email}: {}",
            response.status()
        );
        self.session_cookie(&response)
            .context("login set no session cookie")
    }

    /// The session cookie's value that `response` sets.
    fn session_cookie(&self, response: &reqwest::Response) -> Option<String> {
        response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|cookie| {
                cookie
                    .split(';')
                    .next()?
                    .strip_prefix(&format!("{}=", self.cookie_name))
                    .map(str::to_owned)
            })
    }

    /// Adds time off `[from, to)` (RFC 3339) for the consultant holding `token`.
    pub async fn add_time_off(&self, token: &str, from: &str, to: &str) -> Result<()> {
        let response = self
            .client
            .post(format!("{}/api/consultants/me/time-off", self.base))
            .header(
                reqwest::header::COOKIE,
                format!("{}={token}", self.cookie_name),
            )
            .json(&json!({"startsAt": from, "endsAt": to, "reason": "Benchmark"}))
            .send()
            .await?;
        ensure!(
            response.status().as_u16() == 201,
            "time off {from}: {}",
            response.text().await?
        );
        Ok(())
    }

    /// Books `slot` for the customer holding `token`.
    pub async fn book(&self, token: &str, slot: &FreeSlot) -> Result<()> {
        let response = self
            .client
            .post(format!("{}/api/bookings", self.base))
            .header(
                reqwest::header::COOKIE,
                format!("{}={token}", self.cookie_name),
            )
            .json(&booking_body(slot))
            .send()
            .await?;
        ensure!(
            response.status().as_u16() == 201,
            "booking {}: {}",
            slot.starts_at,
            response.text().await?
        );
        Ok(())
    }
}

/// The body of `POST /api/bookings` for `slot`.
pub fn booking_body(slot: &FreeSlot) -> Value {
    json!({
        "consultantId": slot.consultant_id,
        "startsAt": slot.starts_at,
        "durationMinutes": 30,
        "mode": "video",
        "destination": "Lisbon and the Algarve",
        "travelers": 2,
        "notes": "Benchmark booking"
    })
}
