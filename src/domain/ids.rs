//! Opaque identifiers.
//!
//! Every id is 12 bytes laid out like a MongoDB ObjectId (4-byte big-endian
//! creation second first, then the millisecond and random bytes) and
//! written as 24 lowercase hex characters. Generating ids in the application, not in the store, lets every
//! store persist the same values and keeps the storage trait free of
//! "insert, then read back the id" round trips.

use std::fmt;
use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};

use rand::RngCore;

/// Creates the 12 bytes of a fresh id: the second, its millisecond (two
/// bytes), then 6 random bytes. Ids made later sort later (to the
/// millisecond), so a new record's id lands at the end of every index that
/// holds it instead of on a random page: each write touches fewer pages.
/// Ids are not secrets (every lookup checks who may see the record); the
/// random bytes keep them unique, and say nothing of how many were made.
fn fresh_id_bytes() -> [u8; 12] {
    let mut bytes = [0u8; 12];
    let now = chrono::Utc::now();
    let seconds = now.timestamp().clamp(0, i64::from(u32::MAX)) as u32;
    let millis = (now.timestamp_subsec_millis().min(999)) as u16;
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    bytes[4..6].copy_from_slice(&millis.to_be_bytes());
    rand::thread_rng().fill_bytes(&mut bytes[6..]);
    bytes
}

/// 12 bytes that sort in the order this process made them: the second, five
/// random bytes drawn once per process, then a counter (as MongoDB's
/// ObjectIds). Of two audit entries of one instant, the later sorts after.
fn ordered_id_bytes() -> [u8; 12] {
    static PROCESS: LazyLock<[u8; 5]> = LazyLock::new(|| {
        let mut random = [0u8; 5];
        rand::thread_rng().fill_bytes(&mut random);
        random
    });
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let mut bytes = [0u8; 12];
    let seconds = chrono::Utc::now().timestamp().clamp(0, i64::from(u32::MAX)) as u32;
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    bytes[4..9].copy_from_slice(&*PROCESS);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed) & 0x00ff_ffff;
    bytes[9..].copy_from_slice(&count.to_be_bytes()[1..]);
    bytes
}

/// Parses 24 hex characters (either case) into 12 bytes; anything else is
/// `None`.
fn parse_id_bytes(text: &str) -> Option<[u8; 12]> {
    if text.len() != 24 {
        return None;
    }
    let mut bytes = [0u8; 12];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(bytes)
}

/// Writes 12 bytes as 24 lowercase hex characters into `buffer`, without
/// the `String` of `hex::encode`: responses write many ids.
fn encode_id<'b>(bytes: &[u8; 12], buffer: &'b mut [u8; 24]) -> &'b str {
    // Neither can fail: the buffer is exactly twice the bytes, and hex
    // digits are ASCII.
    let _ = hex::encode_to_slice(bytes, buffer);
    std::str::from_utf8(buffer).unwrap_or_default()
}

macro_rules! object_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 12]);

        impl $name {
            /// A new, unique id.
            pub fn generate() -> Self {
                Self(fresh_id_bytes())
            }

            /// Parses the 24-hex-character form; `None` for anything malformed
            /// (callers treat a malformed id exactly like an unknown one).
            pub fn parse(text: &str) -> Option<Self> {
                parse_id_bytes(text).map(Self)
            }

            /// Wraps raw bytes read back from a store.
            pub fn from_bytes(bytes: [u8; 12]) -> Self {
                Self(bytes)
            }

            /// The raw bytes, for stores with a native 12-byte id type.
            pub fn bytes(&self) -> [u8; 12] {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(encode_id(&self.0, &mut [0; 24]))
            }
        }

        /// The 24-hex-character form, as a JSON string.
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(encode_id(&self.0, &mut [0; 24]))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self)
            }
        }
    };
}

object_id!(
    /// Identifies a user account.
    UserId
);
object_id!(
    /// The public id of a session: safe to show, unrelated to its token.
    SessionId
);
object_id!(
    /// Identifies a consultant.
    ConsultantId
);
object_id!(
    /// Identifies a booking.
    BookingId
);
object_id!(
    /// Identifies a consultant's time off.
    TimeOffId
);
object_id!(
    /// Identifies an API key (never the key itself).
    ApiKeyId
);
object_id!(
    /// Identifies a webhook.
    WebhookId
);
object_id!(
    /// Identifies one delivery of an event to one webhook.
    DeliveryId
);
object_id!(
    /// Identifies an event (written `evt_<24 hex>` on the wire).
    EventId
);
object_id!(
    /// Identifies a passkey of an account (never its WebAuthn credential id).
    PasskeyId
);
object_id!(
    /// Identifies an entry of the audit log: made by [`AuditId::next`],
    /// ids sort in the order the entries were made.
    AuditId
);

impl AuditId {
    /// The id of a new entry: after every id this process made before.
    pub fn next() -> Self {
        Self(ordered_id_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_round_trip_through_their_text_form() {
        let id = BookingId::generate();
        let text = id.to_string();
        assert_eq!(text.len(), 24);
        assert!(
            text.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(BookingId::parse(&text), Some(id));
    }

    #[test]
    fn ids_are_written_as_lowercase_hex_of_their_bytes() {
        let id =
            SessionId::from_bytes([0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff, 1, 2, 3, 4]);
        assert_eq!(id.to_string(), "00017f80abcdefff01020304");
        assert_eq!(id.to_string(), hex::encode(id.bytes()));
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"00017f80abcdefff01020304\""
        );
    }

    #[test]
    fn audit_ids_sort_in_the_order_they_were_made() {
        let ids: Vec<AuditId> = (0..1000).map(|_| AuditId::next()).collect();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]));
    }

    #[test]
    fn ids_made_a_millisecond_apart_sort_in_that_order() {
        let first = BookingId::generate();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = BookingId::generate();
        assert!(first < second);
    }

    #[test]
    fn generated_ids_are_distinct() {
        let ids: std::collections::HashSet<_> = (0..1000).map(|_| UserId::generate()).collect();
        assert_eq!(ids.len(), 1000);
    }

    #[test]
    fn malformed_ids_do_not_parse() {
        for text in [
            "",
            "abc",
            "zzzzzzzzzzzzzzzzzzzzzzzz",
            "0123456789abcdef0123456",
            "0123456789abcdef012345678",
            "0123456789abcdef0123456g",
            "0123456789abcdef 1234567",
            "éééééééééééé",
        ] {
            assert_eq!(UserId::parse(text), None, "{text:?}");
        }
        assert_eq!(
            UserId::parse("0123456789ABCDEF01234567"),
            UserId::parse("0123456789abcdef01234567")
        );
    }
}
