//! Authentication: password hashing, the session cookie, and the extractor
//! that admits a request only with a valid session.

mod cookie;
mod extractor;
mod hashing_pool;
mod mail_budget;
mod password;
mod rate_limit;
mod staff;
mod throttle;

pub use cookie::{TokenSource, presented_token, removal_cookie, session_cookie};
pub use extractor::Authenticated;
pub(crate) use hashing_pool::lower_priority;
pub use mail_budget::reserve_account_mail;
pub use password::{HashError, ITERATIONS, MEMORY_KIB, PARALLELISM, PasswordHasher};
pub use rate_limit::{AuthRateLimiter, client_address};
pub use staff::{Admin, require_staff};
pub use throttle::{PasswordAttempt, trust_this_device};

use actix_web::HttpRequest;
use actix_web::http::header;

use crate::domain::{CredentialsStamp, Session, SessionToken, UserAgent, UserId};
use crate::state::AppState;

/// Creates a fresh token and the session it opens for `user_id` under the
/// credentials `stamp` (not yet stored). Registration, login and password
/// changes each call this: a new token every time, never one the client
/// presented.
pub fn new_session(
    state: &AppState,
    user_id: UserId,
    stamp: CredentialsStamp,
    request: &HttpRequest,
) -> (SessionToken, Session) {
    metrics::counter!(crate::monitoring::SESSIONS_CREATED).increment(1);
    let token = SessionToken::generate();
    let user_agent = request
        .headers()
        .get(header::USER_AGENT)
        .and_then(|value| value.to_str().ok())
        .map(UserAgent::sanitize);
    let session = Session::start(
        user_id,
        stamp,
        token.hash(),
        user_agent,
        state.now(),
        &state.settings.session,
    );
    (token, session)
}
