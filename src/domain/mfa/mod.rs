//! Second factors: TOTP codes (RFC 6238) and the recovery codes that stand
//! in for a lost authenticator, and the challenge that carries a login
//! from its password to its second factor.

mod challenge;
mod recovery;
mod totp;

pub use challenge::{ChallengeToken, MfaChallenge};
pub use recovery::RecoveryCode;
pub use totp::{ISSUER, TotpCode, TotpEnrollment, TotpSecret};
