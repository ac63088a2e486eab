//! `POST /api/admin/users`: staff invite staff.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{StaffErrors, invitation};
use crate::auth::StaffMember;
use crate::domain::{AuditEntry, Effects, Email, PersonName, Role, User};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::responses::BodyErrors;
use crate::routes::users::{RoleName, UserEnvelope, UserView};
use crate::state::AppState;

/// `POST /api/admin/users` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteRequest {
    #[schema(format = Email, max_length = 254, example = "sam@agency.example")]
    email: String,
    #[schema(min_length = 1, max_length = 100, example = "Sam Front-Desk")]
    name: String,
    /// `admin`: consultants are created with their profile
    /// (`POST /api/admin/consultants`), customers register themselves.
    #[schema(value_type = RoleName, example = "admin")]
    role: String,
}

/// Invite a staff member.
///
/// Creates an admin account and mails its owner an invitation link
/// (`{PUBLIC_BASE_URL}/set-password?token=…`, 72 hours, single use). The
/// account cannot log in until a password is set from the link.
#[utoipa::path(
    post,
    path = "/api/admin/users",
    operation_id = "inviteStaff",
    tag = "admin",
    request_body = InviteRequest,
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 201, description = "Invited", body = UserEnvelope),
        (status = 400, description = "`invalid_email`, `invalid_name`, `invalid_role` (only `admin`), \
            or a malformed body", body = ErrorBody),
        (status = 409, description = "The email is taken (`email_taken`)", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn invite(
    admin: StaffMember,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<InviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&body.email)?;
    let name = PersonName::parse(&body.name)?;
    if body.role != Role::Admin.as_str() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_role",
            "role must be admin: consultants are created with their profile",
        )
        .with_field("role"));
    }
    let now = state.now();
    // The agency's language until its owner chooses theirs.
    let user = User::new_admin(email, name, false, now).in_locale(state.settings.default_locale);
    let (hash, mail) = invitation(&state, &user).await?;
    let effects = Effects {
        account_mails: vec![mail],
        audit: vec![AuditEntry::account_created(&admin.audit(now), &user, true)],
        ..Effects::default()
    };
    state
        .store
        .insert_user(&user, &hash, None, &effects)
        .await?;
    tracing::info!(user = %user.id, by = %*admin, "staff invited");
    Ok(HttpResponse::Created().json(UserEnvelope {
        user: UserView::from(&user),
    }))
}
