//! Email addresses.

use std::fmt;

use validator::ValidateEmail;

use super::InvalidInput;

/// A syntactically valid email address, trimmed and lower-cased so that
/// comparisons (uniqueness, login lookup) are case-insensitive.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Longest address SMTP can carry (RFC 5321 path limit minus brackets).
    pub const MAX_LEN: usize = 254;

    /// Parses user input: trims, lower-cases the local part, maps the
    /// domain to its ASCII form by UTS #46 (IDNA: case, width and
    /// invisible characters folded, so `ｅxample.com` and `e\u{AD}xample.com`
    /// are `example.com`), and checks the WHATWG address shape plus a
    /// dotted domain (`name@localhost` is not a customer's address).
    pub fn parse(raw: &str) -> Result<Self, InvalidInput> {
        let invalid = || {
            InvalidInput::new(
                "email",
                "invalid_email",
                "Email must be a valid email address",
            )
        };
        let (local, domain) = raw.trim().rsplit_once('@').ok_or_else(invalid)?;
        let domain = idna::domain_to_ascii_strict(domain).map_err(|_| invalid())?;
        let email = format!("{}@{domain}", local.to_lowercase());
        if email.chars().count() > Self::MAX_LEN || !email.validate_email() {
            return Err(invalid());
        }
        if !domain.contains('.') {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The mailbox the address delivers to, as far as a mail server is
    /// likely to tell: the local part without a `+tag`, at the domain.
    /// `ada+trips@example.com` and `ada@example.com` share one mailbox, so
    /// limits on mail per mailbox cannot be dodged with tags.
    pub fn mailbox(&self) -> String {
        let (local, domain) = self.0.rsplit_once('@').unwrap_or((&self.0, ""));
        let local = local.split_once('+').map_or(local, |(base, _)| base);
        format!("{local}@{domain}")
    }

    /// An address read back from a store, which only ever holds addresses
    /// [`Email::parse`] accepted. Every authenticated request loads one, so
    /// only the cheap signs of a corrupt value are checked (normalised form,
    /// one `@` between non-empty parts, length), not the full address grammar.
    pub fn from_stored(stored: String) -> Option<Self> {
        let normalised = stored.chars().count() <= Self::MAX_LEN
            && !stored
                .bytes()
                .any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace())
            && stored.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            });
        normalised.then_some(Self(stored))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_addresses_are_trimmed_and_lower_cased() {
        let email = Email::parse("  Ada.Lovelace+trips@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ada.lovelace+trips@example.com");
        assert!(Email::parse("o'brien@sub.example.co.uk").is_ok());
    }

    #[test]
    fn malformed_addresses_are_rejected_with_a_code() {
        for raw in [
            "",
            "   ",
            "plainaddress",
            "@example.com",
            "user@",
            "user@localhost",
            "user@@example.com",
            "user name@example.com",
            "user@exa mple.com",
            "user@[127.0.0.1]",
            "user@-example.com",
        ] {
            let err = Email::parse(raw).unwrap_err();
            assert_eq!(err.code, "invalid_email", "{raw:?}");
            assert_eq!(err.field, "email");
        }
    }

    #[test]
    fn stored_addresses_are_taken_as_parsed_unless_visibly_corrupt() {
        let label = "b".repeat(60);
        let longest = format!("{}@{label}.{label}.{label}.cc.com", "a".repeat(64));
        let accepted = ["Ada@Example.com", "o'brien@sub.example.co.uk", &longest];
        for raw in accepted.into_iter().chain(["a@exämple.com"]) {
            // Whatever `parse` accepts comes back from a store unchanged.
            match Email::parse(raw) {
                Ok(parsed) => assert_eq!(
                    Email::from_stored(parsed.as_str().to_owned()),
                    Some(parsed),
                    "{raw}"
                ),
                Err(_) => assert!(!accepted.contains(&raw), "{raw}"),
            }
        }
        for corrupt in [
            "",
            "no-at-sign",
            "@example.com",
            "a@localhost",
            "A@example.com",
            " a@example.com",
            "a@b@example.com",
        ] {
            assert_eq!(Email::from_stored(corrupt.to_owned()), None, "{corrupt:?}");
        }
    }

    #[test]
    fn domains_are_normalised_by_uts46() {
        let plain = Email::parse("victim@example.com").unwrap();
        for disguised in [
            "victim@e\u{AD}xample.com",
            "victim@\u{FF45}xample.com",
            "Victim@EXAMPLE.com",
            "victim@example\u{3002}com",
        ] {
            assert_eq!(Email::parse(disguised).unwrap(), plain, "{disguised:?}");
        }
        assert_eq!(
            Email::parse("ana@bücher.example").unwrap().as_str(),
            "ana@xn--bcher-kva.example"
        );
        assert!(Email::parse("ana@exa_mple.com").is_err());
    }

    #[test]
    fn the_mailbox_drops_the_tag() {
        let tagged = Email::parse("Victim+7@E\u{AD}xample.com").unwrap();
        assert_eq!(tagged.mailbox(), "victim@example.com");
        assert_eq!(
            Email::parse("victim@example.com").unwrap().mailbox(),
            "victim@example.com"
        );
        assert_eq!(
            Email::parse("+x@example.com").unwrap().mailbox(),
            "@example.com"
        );
    }

    #[test]
    fn length_is_capped_at_254_characters() {
        let local = "a".repeat(64);
        let label = "b".repeat(60);
        let fits = format!("{local}@{label}.{label}.{label}.{}.com", "c".repeat(2));
        assert_eq!(fits.len(), 254);
        assert!(Email::parse(&fits).is_ok());
        let too_long = format!("{local}@{label}.{label}.{label}.{}.com", "c".repeat(3));
        assert!(Email::parse(&too_long).is_err());
    }
}
