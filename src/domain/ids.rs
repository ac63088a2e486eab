//! Opaque identifiers.
//!
//! Every id is 12 bytes laid out like a MongoDB ObjectId (4-byte big-endian
//! creation second, then 8 random bytes) and written as 24 lowercase hex
//! characters. Generating ids in the application, not in the store, lets every
//! store persist the same values and keeps the storage trait free of
//! "insert, then read back the id" round trips.

use std::fmt;

use rand::RngCore;

/// Creates the 12 bytes of a fresh id.
fn fresh_id_bytes() -> [u8; 12] {
    let mut bytes = [0u8; 12];
    let seconds = chrono::Utc::now().timestamp().clamp(0, i64::from(u32::MAX)) as u32;
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    rand::thread_rng().fill_bytes(&mut bytes[4..]);
    bytes
}

/// Parses 24 hex characters into 12 bytes; anything else is `None`.
fn parse_id_bytes(text: &str) -> Option<[u8; 12]> {
    if text.len() != 24 {
        return None;
    }
    let mut bytes = [0u8; 12];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(bytes)
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
                f.write_str(&hex::encode(self.0))
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
        ] {
            assert_eq!(UserId::parse(text), None, "{text:?}");
        }
    }
}
