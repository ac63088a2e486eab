//! Webhooks: the agency's other systems (a CRM, a back office) told of
//! bookings and customers as they change. What an event is, which events a
//! webhook wants, where it may be delivered ([`target`]), how a delivery is
//! signed ([`signature`]) and retried.

mod model;
mod signature;
mod target;

pub use model::{
    DeliveryStatus, FAILING, GONE, Webhook, WebhookDelivery, WebhookDescription, WebhookEvent,
    booking_event,
};
pub use signature::sign;
pub use target::{TargetPolicy, WebhookUrl, is_public};

use chrono::{DateTime, TimeDelta, Utc};

use super::token::RandomToken;
use super::{InvalidInput, TokenHash};

/// What a webhook can be told of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventType {
    /// A booking was made.
    BookingCreated,
    /// Its consultant confirmed it.
    BookingConfirmed,
    /// It moved.
    BookingRescheduled,
    /// It was cancelled.
    BookingCancelled,
    /// It went to another consultant.
    BookingReassigned,
    /// A customer signed up.
    CustomerRegistered,
    /// A customer's data was erased.
    CustomerErased,
    /// An admin asked for a test delivery.
    Ping,
}

impl EventType {
    /// Every type, in the order responses list them.
    pub const ALL: [EventType; 8] = [
        Self::BookingCreated,
        Self::BookingConfirmed,
        Self::BookingRescheduled,
        Self::BookingCancelled,
        Self::BookingReassigned,
        Self::CustomerRegistered,
        Self::CustomerErased,
        Self::Ping,
    ];

    /// The wire name (`booking.created`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BookingCreated => "booking.created",
            Self::BookingConfirmed => "booking.confirmed",
            Self::BookingRescheduled => "booking.rescheduled",
            Self::BookingCancelled => "booking.cancelled",
            Self::BookingReassigned => "booking.reassigned",
            Self::CustomerRegistered => "customer.registered",
            Self::CustomerErased => "customer.erased",
            Self::Ping => "ping",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }
}

/// The events one webhook wants: at least one, each once, in
/// [`EventType::ALL`] order (`ping` always comes, asked for or not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTypes(Vec<EventType>);

impl EventTypes {
    /// Parses a request's list.
    pub fn parse<S: AsRef<str>>(names: &[S]) -> Result<Self, InvalidInput> {
        let refuse = |detail: String| InvalidInput::new("events", "invalid_events", detail);
        let mut wanted = Vec::new();
        for name in names {
            let kind = EventType::parse(name.as_ref())
                .ok_or_else(|| refuse(format!("unknown event {:?}", name.as_ref())))?;
            wanted.push(kind);
        }
        if wanted.is_empty() {
            return Err(refuse("at least one event is needed".to_owned()));
        }
        Ok(Self::from_types(wanted))
    }

    /// Types as a store kept them; unknown names are dropped.
    pub fn from_stored<S: AsRef<str>>(names: &[S]) -> Self {
        Self::from_types(
            names
                .iter()
                .filter_map(|name| EventType::parse(name.as_ref())),
        )
    }

    fn from_types(types: impl IntoIterator<Item = EventType>) -> Self {
        let wanted: Vec<EventType> = types.into_iter().collect();
        Self(
            EventType::ALL
                .into_iter()
                .filter(|kind| wanted.contains(kind))
                .collect(),
        )
    }

    /// Whether an event of `kind` goes to this webhook.
    pub fn wants(&self, kind: EventType) -> bool {
        kind == EventType::Ping || self.0.contains(&kind)
    }

    /// The wire names.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|kind| kind.as_str()).collect()
    }
}

/// The secret a webhook's deliveries are signed with (`whsec_` and 64 hex
/// digits; the whole string is the HMAC key). Shown once, when made or
/// rotated; the store keeps it (it must sign), Debug output never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    const PREFIX: &'static str = "whsec_";

    /// A fresh secret: 32 bytes from the OS CSPRNG.
    pub fn generate() -> Self {
        Self(format!(
            "{}{}",
            Self::PREFIX,
            RandomToken::<32>::generate().expose()
        ))
    }

    /// A secret as a store kept it.
    pub fn from_stored(stored: &str) -> Option<Self> {
        stored
            .strip_prefix(Self::PREFIX)
            .and_then(RandomToken::<32>::parse)
            .map(|_| Self(stored.to_owned()))
    }

    /// The secret, for the response that shows it and for signing.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    /// Its SHA-256, for logs that must tell secrets apart.
    pub fn hash(&self) -> TokenHash {
        RandomToken::<32>::parse(&self.0[Self::PREFIX.len()..])
            .expect("a secret is 64 hex digits")
            .hash()
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// How long a delivery is retried before it is `failed`; also how long a
/// webhook may see nothing but failures before it is disabled.
pub const RETRY_FOR: TimeDelta = TimeDelta::hours(24);
/// Whether a webhook whose deliveries have all failed since
/// `failing_since` (`None`: the last one succeeded) has failed for a day
/// at `now`, and is to be turned off.
pub fn failing_for_a_day(failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    failing_since.is_some_and(|since| now - since >= RETRY_FOR)
}

/// How long a receiver has to answer.
pub const RESPONSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// When to try a delivery again after `attempts` failed tries (the first
/// made at `first_attempt`), `None` once 24 hours have gone by: 30 s,
/// 1 min, 2 min, … doubling up to an hour, each with up to a fifth added at
/// random (`jitter` in 0..=1) so that receivers coming back are not hit by
/// every retry at once.
pub fn next_attempt(
    attempts: u32,
    first_attempt: DateTime<Utc>,
    now: DateTime<Utc>,
    jitter: f64,
) -> Option<DateTime<Utc>> {
    let base = 30i64 << attempts.saturating_sub(1).min(7);
    let seconds = base.min(3600) as f64 * (1.0 + 0.2 * jitter.clamp(0.0, 1.0));
    let at = now + TimeDelta::milliseconds((seconds * 1000.0) as i64);
    (at <= first_attempt + RETRY_FOR).then_some(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lists_are_known_names_in_one_order() {
        let events =
            EventTypes::parse(&["booking.cancelled", "booking.created", "booking.created"])
                .unwrap();
        assert_eq!(events.names(), ["booking.created", "booking.cancelled"]);
        assert!(events.wants(EventType::BookingCreated));
        assert!(events.wants(EventType::Ping), "a ping always goes");
        assert!(!events.wants(EventType::CustomerRegistered));
        assert_eq!(
            EventTypes::parse::<&str>(&[]).unwrap_err().code,
            "invalid_events"
        );
        assert_eq!(
            EventTypes::parse(&["booking.*"]).unwrap_err().code,
            "invalid_events"
        );
        for kind in EventType::ALL {
            assert_eq!(EventType::parse(kind.as_str()), Some(kind));
        }
    }

    #[test]
    fn secrets_have_one_shape_and_are_never_printed() {
        let secret = WebhookSecret::generate();
        assert!(secret.reveal().starts_with("whsec_") && secret.reveal().len() == 70);
        assert_eq!(
            WebhookSecret::from_stored(secret.reveal()),
            Some(secret.clone())
        );
        assert!(WebhookSecret::from_stored("whsec_xyz").is_none());
        assert!(!format!("{secret:?}").contains(&secret.reveal()[6..]));
    }

    #[test]
    fn a_webhook_is_off_after_a_day_of_nothing_but_failures() {
        let since = Utc::now();
        assert!(!failing_for_a_day(None, since + TimeDelta::days(3)));
        assert!(!failing_for_a_day(
            Some(since),
            since + TimeDelta::hours(23)
        ));
        assert!(failing_for_a_day(Some(since), since + TimeDelta::hours(24)));
    }

    #[test]
    fn retries_back_off_with_jitter_and_stop_after_a_day() {
        let first = Utc::now();
        let delay = |attempts, jitter| {
            next_attempt(attempts, first, first, jitter).map(|at| (at - first).num_seconds())
        };
        assert_eq!(delay(1, 0.0), Some(30));
        assert_eq!(delay(2, 0.0), Some(60));
        assert_eq!(delay(3, 0.0), Some(120));
        assert_eq!(delay(1, 1.0), Some(36));
        assert_eq!(delay(20, 0.0), Some(3600), "capped at an hour");
        let late = first + TimeDelta::hours(23) + TimeDelta::minutes(30);
        assert_eq!(next_attempt(20, first, late, 0.0), None, "past the day");
        assert!(next_attempt(5, first, late, 0.0).is_some());
    }
}
