//! Second factors: TOTP codes (RFC 6238) and the recovery codes that stand
//! in for a lost authenticator, the challenge that carries a login from its
//! password to its second factor, and passkeys.

mod challenge;
mod passkey;
mod recovery;
mod totp;

pub use challenge::{ChallengeToken, MfaChallenge};
pub use passkey::{
    CeremonyKey, PasskeyCeremony, PasskeyName, StoredPasskey, user_handle, user_of_handle,
};
pub use recovery::RecoveryCode;
pub use totp::{ISSUER, TotpCode, TotpEnrollment, TotpSecret};
