//! Throttled password checks (login, and the current password of a password
//! change): the policy of [`crate::domain::LoginThrottle`] applied to a
//! request, with the device cookie that separates the owner's own devices
//! from anonymous guesses.

use actix_web::HttpRequest;
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;

use super::cookie::{device_cookie, presented_device};
use crate::domain::{
    DeviceToken, Email, LoginThrottle, Reservation, ThrottleKey, TrustedDevice, UserId,
};
use crate::error::ApiError;
use crate::state::AppState;

/// A password check that holds an attempt place: it counts as a failure
/// unless [`succeeded`](Self::succeeded) is called.
#[derive(Debug)]
pub struct PasswordAttempt {
    key: ThrottleKey,
    /// A login from a device not trusted yet: trust it once it succeeds.
    trust_on_success: bool,
}

impl PasswordAttempt {
    /// Reserves an attempt place for a login to the account registered with
    /// `email` (`account`: its id, when it exists): on the device's own key
    /// when it presents a device cookie trusted for that account, else on
    /// the account's. The same store work is done whether or not the
    /// account exists.
    pub async fn login(
        state: &AppState,
        request: &HttpRequest,
        email: &Email,
        account: Option<UserId>,
    ) -> Result<Self, ApiError> {
        match trusted_device(state, request, account).await? {
            Some(device) => {
                Self::reserve(state, ThrottleKey::device(&device.token_hash), false).await
            }
            None => Self::reserve(state, ThrottleKey::account(email), true).await,
        }
    }

    /// Reserves an attempt place for checking the current password of a
    /// logged-in account: always on the account's own key, so whoever holds
    /// a session (perhaps not its owner) shares the lockout of anonymous
    /// logins.
    pub async fn current_password(state: &AppState, email: &Email) -> Result<Self, ApiError> {
        Self::reserve(state, ThrottleKey::account(email), false).await
    }

    async fn reserve(
        state: &AppState,
        key: ThrottleKey,
        trust_on_success: bool,
    ) -> Result<Self, ApiError> {
        let now = state.now();
        let throttle = LoginThrottle::DEFAULT;
        match state.store.reserve_attempt(&key, &throttle, now).await? {
            Reservation::Granted => Ok(Self {
                key,
                trust_on_success,
            }),
            Reservation::Refused { retry_at } => {
                tracing::warn!(key = ?key, "password check refused: too many failed attempts");
                let wait = (retry_at - now).num_seconds().max(1);
                Err(ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    "Too many failed logins for this account; try again later",
                )
                .with_retry_after(wait.unsigned_abs()))
            }
        }
    }

    /// The password was right and a second factor is due: this key's
    /// places are freed, as after any right password, and the challenge
    /// keeps whose attempts its codes count as (each takes a place: five
    /// wrong codes lock the key, so the next login is refused before its
    /// password is checked) and whether to trust the device after.
    pub async fn awaiting_second_factor(
        self,
        state: &AppState,
    ) -> Result<(ThrottleKey, bool), ApiError> {
        state.store.clear_attempts(&self.key).await?;
        Ok((self.key, self.trust_on_success))
    }

    /// Reserves an attempt place for a code answering a login challenge, on
    /// the key the challenge's password was counted on: wrong codes lock
    /// the account as wrong passwords do.
    pub async fn second_factor(
        state: &AppState,
        key: ThrottleKey,
        trust_on_success: bool,
    ) -> Result<Self, ApiError> {
        Self::reserve(state, key, trust_on_success).await
    }

    /// The password was right: frees this key's places and, after a login
    /// from a device not trusted yet, returns the device cookie to set.
    pub async fn succeeded(
        self,
        state: &AppState,
        user_id: UserId,
    ) -> Result<Option<Cookie<'static>>, ApiError> {
        state.store.clear_attempts(&self.key).await?;
        if !self.trust_on_success {
            return Ok(None);
        }
        trust_this_device(state, user_id).await.map(Some)
    }
}

/// The device the request's device cookie names, if it is trusted for
/// `account` (an account that may not exist: then none is).
pub(super) async fn trusted_device(
    state: &AppState,
    request: &HttpRequest,
    account: Option<UserId>,
) -> Result<Option<TrustedDevice>, ApiError> {
    let Some(token) = presented_device(request) else {
        return Ok(None);
    };
    let device = state.store.find_trusted_device(&token.hash()).await?;
    let now = state.now();
    Ok(device.filter(|device| account.is_some_and(|account| device.trusted_for(account, now))))
}

/// After a login without a password (a passkey): a device cookie for
/// `user_id`, unless the request's device is trusted for it already.
pub async fn trust_new_device(
    state: &AppState,
    request: &HttpRequest,
    user_id: UserId,
) -> Result<Option<Cookie<'static>>, ApiError> {
    if trusted_device(state, request, Some(user_id))
        .await?
        .is_some()
    {
        return Ok(None);
    }
    trust_this_device(state, user_id).await.map(Some)
}

/// Issues a device cookie for `user_id` (after a registration or a login).
pub async fn trust_this_device(
    state: &AppState,
    user_id: UserId,
) -> Result<Cookie<'static>, ApiError> {
    let token = DeviceToken::generate();
    state
        .store
        .insert_trusted_device(&TrustedDevice::issue(&token, user_id, state.now()))
        .await?;
    Ok(device_cookie(&state.settings.cookie, &token))
}
