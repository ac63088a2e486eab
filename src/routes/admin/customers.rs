//! `POST /api/admin/customers/{id}/erase`: staff erase a customer who asks
//! them to (by phone, by letter), as the customer could themselves.

use actix_web::{HttpResponse, web};

use super::StaffErrors;
use crate::auth::StaffMember;
use crate::domain::{ChangedBy, Role, UserId};
use crate::error::{ApiError, ErrorBody};
use crate::routes::privacy::erasure::{Erased, erase};
use crate::routes::responses::NoBodyErrors;
use crate::state::AppState;

fn customer_not_found() -> ApiError {
    ApiError::not_found("customer_not_found", "No such customer")
}

/// Erase a customer.
///
/// Erases the customer as `DELETE /api/users/me` does (their consultants
/// are told the agency cancelled their live future bookings). Only a person
/// may do it, never an API key. Erasing an erased customer changes nothing.
#[utoipa::path(
    post,
    path = "/api/admin/customers/{id}/erase",
    operation_id = "staffEraseCustomer",
    tag = "admin",
    params(("id" = String, Path, description = "The customer's account id")),
    security(("session_cookie" = []), ("bearer_token" = [])),
    responses(
        (status = 202, description = "Erased", body = Erased),
        (status = 404, description = "No such customer (`customer_not_found`)", body = ErrorBody),
        StaffErrors, NoBodyErrors,
    ),
)]
pub async fn erase_customer(
    admin: StaffMember,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = UserId::parse(&id).ok_or_else(customer_not_found)?;
    let user = state.store.find_user(id).await?;
    let user = user
        .filter(|user| user.role == Role::Customer)
        .ok_or_else(customer_not_found)?;
    erase(&state, &user, &admin.audit(state.now()), ChangedBy::Agency).await?;
    tracing::info!(user = %user.id, by = %*admin, "customer erased by staff");
    Ok(HttpResponse::Accepted().json(Erased::done()))
}
