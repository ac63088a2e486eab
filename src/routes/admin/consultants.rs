//! `/api/admin/consultants`: staff create consultants (with an invitation
//! to their account), see every one with its login and schedule, and edit
//! profiles and schedules. Deactivation is in `lifecycle`.

use actix_web::{HttpResponse, web};
use futures_util::future::try_join_all;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{StaffErrors, invitation};
use crate::auth::Admin;
use crate::domain::{
    AuditEntry, Consultant, Effects, Email, PersonName, ProfileChanges, Schedule, User,
    WorkingHours, parse_bio, parse_labels, parse_modes,
};
use crate::error::{ApiError, ErrorBody};
use crate::http::ApiJson;
use crate::routes::bookings::ModeName;
use crate::routes::consultant_calendar::schedule::{ScheduleRequest, ScheduleView};
use crate::routes::consultants::{ConsultantView, find_any};
use crate::routes::responses::BodyErrors;
use crate::state::AppState;

/// A consultant as staff see it: the public profile, whether customers
/// can book them, their login and their whole schedule.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StaffConsultantView<'a> {
    #[serde(flatten)]
    profile: ConsultantView<'a>,
    /// Whether customers see and book them.
    active: bool,
    /// Their login (`null`: a profile without an account).
    #[schema(format = Email, example = "kenji@agency.example")]
    email: Option<&'a str>,
    schedule: ScheduleView<'a>,
}

impl<'a> StaffConsultantView<'a> {
    pub(super) fn new(consultant: &'a Consultant, account: Option<&'a User>) -> Self {
        Self {
            profile: ConsultantView::from(consultant),
            active: consultant.active,
            email: account.map(|account| account.email.as_str()),
            schedule: ScheduleView::from(consultant),
        }
    }
}

/// `{"consultant": Consultant}` with the staff fields.
#[derive(Serialize, ToSchema)]
pub struct StaffConsultantEnvelope<'a> {
    consultant: StaffConsultantView<'a>,
}

/// `{"consultants": [Consultant]}` with the staff fields.
#[derive(Serialize, ToSchema)]
pub struct StaffConsultantList<'a> {
    consultants: Vec<StaffConsultantView<'a>>,
}

/// The response showing `consultant` (with `account`) to staff.
pub(super) fn staff_view(
    mut response: actix_web::HttpResponseBuilder,
    consultant: &Consultant,
    account: Option<&User>,
) -> HttpResponse {
    response.json(StaffConsultantEnvelope {
        consultant: StaffConsultantView::new(consultant, account),
    })
}

/// `POST /api/admin/consultants` body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsultantRequest {
    /// Login of their account; the invitation goes there.
    #[schema(format = Email, max_length = 254, example = "kenji@agency.example")]
    email: String,
    #[schema(min_length = 1, max_length = 100, example = "Kenji Watanabe")]
    name: String,
    /// Up to 20, each 1 to 60 characters.
    #[schema(max_items = 20, example = json!(["Japan rail passes"]))]
    specialties: Vec<String>,
    /// Up to 20 language tags.
    #[schema(max_items = 20, example = json!(["ja", "en"]))]
    languages: Vec<String>,
    /// Default: all three.
    #[schema(value_type = Option<Vec<ModeName>>, min_items = 1, max_items = 3)]
    modes: Option<Vec<String>>,
    /// At most 1000 characters (default empty).
    #[schema(max_length = 1000)]
    bio: Option<String>,
    /// Default: UTC, Monday to Friday 09:00–17:00, the default rules.
    schedule: Option<ScheduleRequest>,
}

/// `PATCH /api/admin/consultants/{id}` body: any of the fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsultantChanges {
    #[schema(min_length = 1, max_length = 100)]
    name: Option<String>,
    #[schema(max_items = 20)]
    specialties: Option<Vec<String>>,
    #[schema(max_items = 20)]
    languages: Option<Vec<String>>,
    #[schema(value_type = Option<Vec<ModeName>>, min_items = 1, max_items = 3)]
    modes: Option<Vec<String>>,
    #[schema(max_length = 1000)]
    bio: Option<String>,
    /// The whole schedule (existing bookings are kept).
    schedule: Option<ScheduleRequest>,
}

impl ConsultantChanges {
    fn parse(&self) -> Result<(ProfileChanges, Option<Schedule>), ApiError> {
        let profile = ProfileChanges {
            name: self.name.as_deref().map(PersonName::parse).transpose()?,
            specialties: self
                .specialties
                .as_deref()
                .map(|items| parse_labels(items, "specialties"))
                .transpose()?,
            languages: self
                .languages
                .as_deref()
                .map(|items| parse_labels(items, "languages"))
                .transpose()?,
            modes: self.modes.as_deref().map(parse_modes).transpose()?,
            bio: self.bio.as_deref().map(parse_bio).transpose()?,
        };
        let schedule = self
            .schedule
            .as_ref()
            .map(ScheduleRequest::parse)
            .transpose()?;
        Ok((profile, schedule))
    }
}

fn default_schedule() -> Schedule {
    let hours: WorkingHours = "mon-fri=09:00-17:00"
        .parse()
        .expect("the default working hours parse");
    Schedule {
        timezone: chrono_tz::UTC,
        working_hours: hours,
        rules: crate::domain::BookingRules::DEFAULT,
    }
}

/// Every consultant.
///
/// Every consultant, active or not, by name, with their login and schedule.
#[utoipa::path(
    get,
    path = "/api/admin/consultants",
    operation_id = "staffListConsultants",
    tag = "admin",
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The consultants", body = StaffConsultantList),
        StaffErrors,
    ),
)]
pub async fn list(_staff: Admin, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let consultants = state.store.list_consultants().await?;
    let accounts = try_join_all(
        consultants
            .iter()
            .map(|consultant| state.store.find_consultant_account(consultant.id)),
    )
    .await?;
    Ok(HttpResponse::Ok().json(StaffConsultantList {
        consultants: consultants
            .iter()
            .zip(&accounts)
            .map(|(consultant, account)| StaffConsultantView::new(consultant, account.as_ref()))
            .collect(),
    }))
}

/// One consultant.
///
/// A consultant, active or not, with their login and schedule.
#[utoipa::path(
    get,
    path = "/api/admin/consultants/{id}",
    operation_id = "staffGetConsultant",
    tag = "admin",
    params(("id" = String, Path, description = "Consultant id")),
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "The consultant", body = StaffConsultantEnvelope),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        StaffErrors,
    ),
)]
pub async fn get(
    _staff: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let consultant = find_any(&state, &id).await?;
    let account = state.store.find_consultant_account(consultant.id).await?;
    Ok(staff_view(
        HttpResponse::Ok(),
        &consultant,
        account.as_ref(),
    ))
}

/// Create a consultant.
///
/// Creates a consultant's profile and login account, and mails the account's
/// owner an invitation link (`{PUBLIC_BASE_URL}/set-password?token=…`, 72
/// hours, single use). Customers can book them at once; they log in once
/// they set a password.
#[utoipa::path(
    post,
    path = "/api/admin/consultants",
    operation_id = "staffCreateConsultant",
    tag = "admin",
    request_body = NewConsultantRequest,
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 201, description = "Created", body = StaffConsultantEnvelope),
        (status = 400, description = "`invalid_email`, `invalid_name`, `invalid_consultant`, \
            `invalid_modes`, `invalid_bio`, a bad schedule, or a malformed body", body = ErrorBody),
        (status = 409, description = "The email is taken (`email_taken`)", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn create(
    admin: Admin,
    state: web::Data<AppState>,
    ApiJson(body): ApiJson<NewConsultantRequest>,
) -> Result<HttpResponse, ApiError> {
    let email = Email::parse(&body.email)?;
    let name = PersonName::parse(&body.name)?;
    let schedule = match &body.schedule {
        Some(schedule) => schedule.parse()?,
        None => default_schedule(),
    };
    let consultant = Consultant::new(
        name.clone(),
        &body.specialties,
        &body.languages,
        schedule.timezone,
        schedule.working_hours,
    )?
    .with_schedule(schedule)
    .with_profile(ProfileChanges {
        modes: body.modes.as_deref().map(parse_modes).transpose()?,
        bio: body.bio.as_deref().map(parse_bio).transpose()?,
        ..ProfileChanges::default()
    });
    let now = state.now();
    // The agency's language until its owner chooses theirs.
    let account = User::new_consultant(consultant.id, (email, name), false, now)
        .in_locale(state.settings.default_locale);
    let (hash, mail) = invitation(&state, &account).await?;
    let context = admin.audit(now);
    let effects = Effects {
        account_mails: vec![mail],
        audit: vec![
            AuditEntry::consultant_created(&context, &consultant),
            AuditEntry::account_created(&context, &account, true),
        ],
        ..Effects::default()
    };
    state
        .store
        .insert_consultant(&consultant, Some((&account, &hash)), &effects)
        .await?;
    tracing::info!(consultant = %consultant.id, by = %admin, "consultant created");
    Ok(staff_view(
        HttpResponse::Created(),
        &consultant,
        Some(&account),
    ))
}

/// Edit a consultant.
///
/// Changes any of the profile's fields and, with `schedule`, the whole
/// schedule (existing bookings are kept). Each part is written with its
/// audit entry (`consultant.updated`, `schedule.changed`).
#[utoipa::path(
    patch,
    path = "/api/admin/consultants/{id}",
    operation_id = "staffUpdateConsultant",
    tag = "admin",
    params(("id" = String, Path, description = "Consultant id")),
    request_body = ConsultantChanges,
    security(("session_cookie" = []), ("bearer_token" = []), ("api_key" = [])),
    responses(
        (status = 200, description = "Changed", body = StaffConsultantEnvelope),
        (status = 400, description = "A bad field, as for creation", body = ErrorBody),
        (status = 404, description = "No such consultant (`consultant_not_found`)", body = ErrorBody),
        StaffErrors, BodyErrors,
    ),
)]
pub async fn update(
    admin: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    ApiJson(body): ApiJson<ConsultantChanges>,
) -> Result<HttpResponse, ApiError> {
    let (profile, schedule) = body.parse()?;
    let mut consultant = find_any(&state, &id).await?;
    let context = admin.audit(state.now());
    let changed = consultant.with_profile(profile);
    if changed != consultant {
        let entry = AuditEntry::consultant_updated(&context, &consultant, &changed);
        state
            .store
            .update_profile(&changed, &Effects::audit([entry]))
            .await?;
        consultant = changed;
    }
    if let Some(schedule) = schedule.filter(|schedule| *schedule != consultant.schedule()) {
        let entry = AuditEntry::schedule_changed(&context, consultant.id, &schedule);
        let stored = state
            .store
            .update_schedule(consultant.id, &schedule, &Effects::audit([entry]))
            .await?;
        consultant = stored.ok_or_else(crate::routes::consultants::consultant_not_found)?;
    }
    let account = state.store.find_consultant_account(consultant.id).await?;
    Ok(staff_view(
        HttpResponse::Ok(),
        &consultant,
        account.as_ref(),
    ))
}
