//! Authentication: the session cookie, the extractors that admit a request
//! only with a valid session (and only staff, by session or API key, on
//! staff routes), and login
//! throttling. Password hashing is `crate::hashing`, below it.

mod consultant;
mod cookie;
mod customer;
mod extractor;
mod mail_budget;
mod staff;
mod throttle;

pub use consultant::ConsultantSession;
pub use cookie::{TokenSource, presented_api_key, presented_token, removal_cookie, session_cookie};
pub use customer::CustomerSession;
pub use extractor::Authenticated;
pub use mail_budget::reserve_account_mail;
pub use staff::{Admin, StaffMember, require_scope, require_staff};
pub use throttle::{PasswordAttempt, trust_new_device, trust_this_device};

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
