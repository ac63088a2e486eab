//! `PATCH /api/users/me`: what people change of their own account (the
//! name, the language they are written to in, their time zone).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{LocaleName, UserEnvelope, UserView};
use crate::auth::Authenticated;
use crate::domain::{Locale, PersonName, User, parse_time_zone};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::{BodyErrors, CrossSiteError, SessionErrors};
use crate::state::AppState;

/// `PATCH /api/users/me` body: each field left out stays as it is.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMeRequest {
    /// 1 to 100 characters after trimming.
    #[schema(min_length = 1, max_length = 100, example = "Ada Lovelace")]
    name: Option<String>,
    /// The language to write to them in (a region is ignored).
    #[schema(value_type = Option<LocaleName>)]
    locale: Option<String>,
    /// Their time zone (IANA); `null` goes back to each consultant's.
    #[schema(example = "Europe/Madrid")]
    #[serde(default, deserialize_with = "present")]
    timezone: Option<Option<String>>,
}

/// A field given, even as `null` (`Some(None)`), apart from one left out.
fn present<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl UpdateMeRequest {
    /// `user` as this request changes it.
    fn applied_to(&self, user: &User) -> Result<User, ApiError> {
        let mut changed = user.clone();
        if let Some(name) = &self.name {
            changed.name = PersonName::parse(name)?;
        }
        if let Some(tag) = &self.locale {
            changed.locale = Locale::parse(tag)?;
        }
        if let Some(zone) = &self.timezone {
            changed.timezone = zone.as_deref().map(parse_time_zone).transpose()?;
        }
        Ok(changed)
    }
}

/// Change my account.
///
/// Changes the name, the language mail is written in (`en`, `es`, `fr`,
/// `de`, `it`, `ja`) or the time zone its times are shown in; fields left
/// out stay as they are.
#[utoipa::path(
    patch,
    path = "/api/users/me",
    operation_id = "updateMe",
    tag = "users",
    request_body = UpdateMeRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The account as it now is", body = UserEnvelope),
        (status = 400, description = "`invalid_name`, `unsupported_locale`, `invalid_timezone`, \
            or a malformed body", body = ErrorBody),
        SessionErrors, BodyErrors, CrossSiteError,
    ),
)]
pub async fn update_me(
    state: web::Data<AppState>,
    auth: Authenticated,
    ApiJson(body): ApiJson<UpdateMeRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = body.applied_to(&auth.user)?;
    if user != auth.user && !state.store.update_user(&user).await? {
        return Err(ApiError::unauthenticated());
    }
    tracing::info!(user = %user.id, "account updated");
    Ok(HttpResponse::Ok().json(UserEnvelope {
        user: UserView::from(&user),
    }))
}
