//! A booking as an iCalendar file, for its parties.

use actix_web::{HttpResponse, web};

use super::visible_booking;
use crate::auth::Authenticated;
use crate::domain::Recipient;
use crate::error::{ApiError, ErrorBody};
use crate::mail::Parties;
use crate::mail::invite::{self, Audience};
use crate::routes::responses::SessionErrors;
use crate::state::AppState;

/// A booking as an iCalendar file.
///
/// The booking's event with the same `UID` and `SEQUENCE` as the invites its
/// mails carry, for its customer and its consultant.
#[utoipa::path(
    get,
    path = "/api/bookings/{id}/calendar.ics",
    operation_id = "getBookingCalendar",
    tag = "bookings",
    params(("id" = String, Path, description = "Booking id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 200, description = "The event (`METHOD:REQUEST`, or `CANCEL` once cancelled)",
         content_type = "text/calendar", body = String),
        (status = 404, description = "No such booking visible to this user (`booking_not_found`)", body = ErrorBody),
        SessionErrors,
    ),
)]
pub async fn calendar(
    state: web::Data<AppState>,
    auth: Authenticated,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (booking, _) = visible_booking(&state, &auth.user, &id).await?;
    let missing = || ApiError::internal(format!("booking {} lost a party", booking.id));
    let parties = Parties {
        customer: state
            .store
            .find_user(booking.customer_id)
            .await?
            .ok_or_else(missing)?,
        consultant: state
            .store
            .find_consultant(booking.consultant_id)
            .await?
            .ok_or_else(missing)?,
        consultant_account: state
            .store
            .find_consultant_account(booking.consultant_id)
            .await?
            .ok_or_else(missing)?,
        former_consultant: None,
    };
    let host = invite::host_of(&state.settings.mail.public_base_url);
    let audience = Audience {
        locale: auth.user.locale,
        recipient: if auth.user.id == booking.customer_id {
            Recipient::Customer
        } else {
            Recipient::Consultant
        },
    };
    Ok(HttpResponse::Ok()
        .content_type(format!(
            "text/calendar; charset=utf-8; method={}",
            invite::method(&booking)
        ))
        .body(invite::calendar(&booking, &parties, host, audience)))
}
