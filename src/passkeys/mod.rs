//! The WebAuthn relying party: `webauthn-rs` checks every signature,
//! origin, challenge, counter and user-verification flag; this module
//! keeps its types at the edge (states and credentials cross it as JSON,
//! as the store keeps them) and asks for what this service needs:
//! discoverable credentials with user verification.

use serde_json::Value;
use thiserror::Error;
use url::Url;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, Passkey, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Uuid, Webauthn, WebauthnBuilder, WebauthnError,
};

use crate::domain::{StoredPasskey, User, UserId, user_handle, user_of_handle};

/// Why a ceremony failed.
#[derive(Debug, Error)]
pub enum PasskeyError {
    /// What the client sent is not a credential of the expected shape.
    #[error("not a WebAuthn credential: {0}")]
    Malformed(#[from] serde_json::Error),
    /// The library refused it: wrong origin or challenge, bad signature,
    /// no user verification, a counter that went back…
    #[error("refused by WebAuthn: {0}")]
    Refused(#[from] WebauthnError),
    /// The user handle names no account of this service.
    #[error("the user handle names no account")]
    UnknownUser,
    /// A stored credential or state does not read back.
    #[error("stored passkey data does not read back: {0}")]
    Corrupt(serde_json::Error),
}

/// A registered credential, ready to store.
pub struct NewCredential {
    /// The credential id, in hex.
    pub credential_id: String,
    /// The credential, as JSON.
    pub credential: String,
}

/// The relying party this service is for its users' authenticators.
pub struct RelyingParty {
    webauthn: Webauthn,
}

impl std::fmt::Debug for RelyingParty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelyingParty")
            .field("origin", &self.webauthn.get_allowed_origins())
            .finish()
    }
}

impl RelyingParty {
    /// The relying party of the frontend at `origin`: its host is the RP
    /// id. An origin on a loopback address (development) is served as
    /// `localhost` on the same port: browsers refuse WebAuthn for an IP
    /// address, and `http://localhost` is a secure context.
    pub fn for_origin(origin: &str) -> Result<Self, String> {
        let mut origin = Url::parse(origin).map_err(|error| error.to_string())?;
        let loopback = match origin.host() {
            Some(url::Host::Ipv4(address)) => address.is_loopback(),
            Some(url::Host::Ipv6(address)) => address.is_loopback(),
            _ => false,
        };
        if loopback {
            origin
                .set_host(Some("localhost"))
                .map_err(|error| error.to_string())?;
        }
        let rp_id = origin
            .domain()
            .ok_or("passkeys need a named origin, not an IP address")?
            .to_owned();
        let webauthn = WebauthnBuilder::new(&rp_id, &origin)
            .and_then(|builder| builder.rp_name("tripdesk").build())
            .map_err(|error| error.to_string())?;
        Ok(Self { webauthn })
    }

    /// Options for a new passkey of `user` (none of `existing` may be made
    /// again) and the state to keep until the answer.
    pub fn start_registration(
        &self,
        user: &User,
        existing: &[StoredPasskey],
    ) -> Result<(Value, String), PasskeyError> {
        let exclude = existing
            .iter()
            .map(|stored| credential_of(stored).map(|passkey| passkey.cred_id().clone()))
            .collect::<Result<Vec<_>, _>>()?;
        let handle = Uuid::from_bytes(user_handle(user.id));
        let (challenge, state) = self.webauthn.start_passkey_registration(
            handle,
            user.email.as_str(),
            user.name.as_str(),
            Some(exclude),
        )?;
        let mut options = serde_json::to_value(challenge.public_key)?;
        // Discoverable: a passkey login asks for no address, so the
        // authenticator must keep the credential and the user handle.
        options["authenticatorSelection"]["residentKey"] = "required".into();
        options["authenticatorSelection"]["requireResidentKey"] = true.into();
        Ok((options, serde_json::to_string(&state)?))
    }

    /// The credential `answer` registers, checked against `state`.
    pub fn finish_registration(
        &self,
        state: &str,
        answer: Value,
    ) -> Result<NewCredential, PasskeyError> {
        let state: PasskeyRegistration =
            serde_json::from_str(state).map_err(PasskeyError::Corrupt)?;
        let answer: RegisterPublicKeyCredential = serde_json::from_value(answer)?;
        let passkey = self.webauthn.finish_passkey_registration(&answer, &state)?;
        Ok(NewCredential {
            credential_id: hex::encode(passkey.cred_id()),
            credential: serde_json::to_string(&passkey).map_err(PasskeyError::Corrupt)?,
        })
    }

    /// Options for a passkey login (any of the user's discoverable
    /// credentials) and the state to keep until the answer.
    pub fn start_login(&self) -> Result<(Value, String), PasskeyError> {
        let (challenge, state) = self.webauthn.start_discoverable_authentication()?;
        let options = serde_json::to_value(challenge.public_key)?;
        Ok((options, serde_json::to_string(&state)?))
    }

    /// Reads a login's answer: the assertion, the account its user handle
    /// names, and its credential id (hex).
    pub fn read_assertion(
        &self,
        answer: Value,
    ) -> Result<(PublicKeyCredential, UserId, String), PasskeyError> {
        let assertion: PublicKeyCredential = serde_json::from_value(answer)?;
        let (handle, credential_id) = self
            .webauthn
            .identify_discoverable_authentication(&assertion)?;
        let user = user_of_handle(handle.as_bytes()).ok_or(PasskeyError::UnknownUser)?;
        let credential_id = hex::encode(credential_id);
        Ok((assertion, user, credential_id))
    }

    /// Checks `assertion` against `state` and the stored passkey; the
    /// credential to store when the login moved its counter.
    pub fn finish_login(
        &self,
        state: &str,
        assertion: &PublicKeyCredential,
        stored: &StoredPasskey,
    ) -> Result<Option<String>, PasskeyError> {
        let state: DiscoverableAuthentication =
            serde_json::from_str(state).map_err(PasskeyError::Corrupt)?;
        let mut passkey = credential_of(stored)?;
        let result = self
            .webauthn
            .finish_discoverable_authentication_v2(assertion, state, &passkey)?;
        if passkey.update_credential(&result) != Some(true) {
            return Ok(None);
        }
        let updated = serde_json::to_string(&passkey).map_err(PasskeyError::Corrupt)?;
        Ok(Some(updated))
    }
}

fn credential_of(stored: &StoredPasskey) -> Result<Passkey, PasskeyError> {
    serde_json::from_str(&stored.credential).map_err(PasskeyError::Corrupt)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origins(party: &RelyingParty) -> Vec<String> {
        let allowed = party.webauthn.get_allowed_origins();
        allowed.iter().map(|origin| origin.to_string()).collect()
    }

    #[test]
    fn the_frontends_host_is_the_relying_party_and_loopback_is_localhost() {
        let party = RelyingParty::for_origin("https://app.example.com").unwrap();
        assert_eq!(origins(&party), ["https://app.example.com/"]);
        let local = RelyingParty::for_origin("http://127.0.0.1:8080").unwrap();
        assert_eq!(origins(&local), ["http://localhost:8080/"]);
        let local = RelyingParty::for_origin("http://[::1]:8080").unwrap();
        assert_eq!(origins(&local), ["http://localhost:8080/"]);
        assert!(RelyingParty::for_origin("http://192.0.2.10:8080").is_err());
    }
}
