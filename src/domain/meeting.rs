//! Video consultations: the meeting room a `video` booking gets when it is
//! confirmed, on the agency's video service.

use super::token::RandomToken;

/// Where video rooms are made (`VIDEO_MEETING_BASE_URL`, by default Jitsi
/// Meet's public service): a room is this address and a random name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingBase(String);

impl MeetingBase {
    /// The default service.
    pub const DEFAULT: &'static str = "https://meet.jit.si";

    /// Parses the setting: an `http`/`https` address with a host and no
    /// query or fragment (a trailing `/` is dropped).
    pub fn parse(text: &str) -> Result<Self, String> {
        let url = url::Url::parse(text).map_err(|error| error.to_string())?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host().is_some()
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !plain {
            return Err("expected an http(s) address without query or credentials".into());
        }
        Ok(Self(text.trim_end_matches('/').to_owned()))
    }

    /// A new room: its name is 128 random bits in hex, so nobody guesses it.
    pub fn new_room(&self) -> MeetingUrl {
        MeetingUrl(format!(
            "{}/{}",
            self.0,
            RandomToken::<16>::generate().expose()
        ))
    }
}

/// The room of a confirmed video booking: shown to its customer, its
/// consultant and agency staff, and never sent to webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingUrl(String);

impl MeetingUrl {
    /// A room as a store kept it.
    pub fn from_stored(text: &str) -> Option<Self> {
        text.starts_with("http").then(|| Self(text.to_owned()))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_are_random_names_on_the_service() {
        let base = MeetingBase::parse("https://video.agency.example/rooms/").unwrap();
        let (one, two) = (base.new_room(), base.new_room());
        let name = one
            .as_str()
            .strip_prefix("https://video.agency.example/rooms/")
            .unwrap();
        assert!(name.len() == 32 && name.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_ne!(one, two);
        for refused in [
            "ftp://x.example",
            "https://x.example/?a=1",
            "https://u:p@x.example",
            "x",
        ] {
            assert!(MeetingBase::parse(refused).is_err(), "{refused}");
        }
        assert_eq!(MeetingUrl::from_stored(one.as_str()), Some(one));
    }
}
