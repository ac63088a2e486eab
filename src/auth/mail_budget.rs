//! How many account mails (verification and reset links) requests may
//! cause: three an hour per mailbox, whichever account or address asks, so
//! that registering `victim+1@…`, `victim+2@…` floods nobody; and three an
//! hour of its own for a device its owner logged in with, so that whoever
//! spends a mailbox's budget cannot keep its owner from resetting a
//! password.

use actix_web::HttpRequest;

use super::throttle::trusted_device;
use crate::domain::{Email, LoginThrottle, Reservation, ThrottleKey, UserId};
use crate::error::ApiError;
use crate::state::AppState;

/// Takes one account mail from the budget of the request: the budget of
/// its device cookie when that device is trusted for `account` (the
/// account `email` belongs to, if it exists and the caller knows it),
/// else the budget of `email`'s mailbox.
pub async fn reserve_account_mail(
    state: &AppState,
    request: &HttpRequest,
    email: &Email,
    account: Option<UserId>,
) -> Result<Reservation, ApiError> {
    let key = match trusted_device(state, request, account).await? {
        Some(device) => ThrottleKey::device_mail(&device.token_hash),
        None => ThrottleKey::mailbox(email),
    };
    let throttle = LoginThrottle::ACCOUNT_MAILS;
    Ok(state
        .store
        .reserve_attempt(&key, &throttle, state.now())
        .await?)
}
